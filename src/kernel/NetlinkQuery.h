#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstddef>
#include <functional>
#include <string>

#include "kernel/Result.h"

namespace rtprelay::kernel {

// Netlink requests (rtnetlink's RTM_GET*, nftables' NFT_MSG_GETGEN) and their answers, on a
// socket in the network namespace of the thread that created it: one kept for many requests
// (closing a netfilter netlink socket can take milliseconds), or one per request (run()). Every
// answer is untrusted and bounded: a receive timeout, a cap on the bytes read, messages checked
// against the request's sequence number and against their buffer before `visit` sees them. A dump
// (NLM_F_DUMP) is read up to NLMSG_DONE; a single request up to its first answer.
class NetlinkQuery {
public:
    // Called for each answer message other than NLMSG_DONE / NLMSG_ERROR, whose nlmsg_len
    // lies within the buffer.
    using Visitor = std::function<void(const nlmsghdr& message)>;

    // `request` is a complete message; its nlmsg_seq is set here. `what` names the request
    // in the failure reason ("link 3"). An NLMSG_ERROR answer fails with its errno text, and
    // `notFound`, if given, is set instead for ENOENT / ENODEV.
    static Result<> run(nlmsghdr& request, const std::string& what, const Visitor& visit,
                        bool* notFound = nullptr, int protocol = NETLINK_ROUTE);

    // A socket of `protocol` for ask(); opened again by ask() if opening failed here. Not
    // thread-safe.
    explicit NetlinkQuery(int protocol);
    ~NetlinkQuery();
    NetlinkQuery(const NetlinkQuery&) = delete;
    NetlinkQuery& operator=(const NetlinkQuery&) = delete;
    // As run(), on this object's socket. Answers to earlier requests that timed out are
    // skipped by their sequence number.
    Result<> ask(nlmsghdr& request, const std::string& what, const Visitor& visit,
                 bool* notFound = nullptr);

    // NLMSG_NEXT and RTA_NEXT without their wrap-around: when a message's or attribute's
    // aligned length reaches past the buffer (a length that is not a multiple of 4 on the last
    // one), `remaining` becomes 0 instead of wrapping to 4 GB, so that NLMSG_OK / RTA_OK end
    // the walk.
    static const nlmsghdr* next(const nlmsghdr* message, unsigned int& remaining) {
        return stepWithin(message, NLMSG_ALIGN(message->nlmsg_len), remaining);
    }
    static const rtattr* nextAttribute(const rtattr* attribute, unsigned int& remaining) {
        return stepWithin(attribute, RTA_ALIGN(attribute->rta_len), remaining);
    }

    static constexpr size_t kMaxAnswerBytes = 64u << 20;  // a dump of ~500,000 neighbours
    static constexpr int kTimeoutMs = 2000;

private:
    template <typename Item>
    static const Item* stepWithin(const Item* item, unsigned int step, unsigned int& remaining) {
        if (step >= remaining) {
            remaining = 0;
            return item;
        }
        remaining -= step;
        return reinterpret_cast<const Item*>(reinterpret_cast<const char*>(item) + step);
    }

    int open();

    int protocol_;
    int fd_ = -1;
};

}  // namespace rtprelay::kernel
