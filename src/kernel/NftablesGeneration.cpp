#include "kernel/NftablesGeneration.h"

#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace rtprelay::kernel {

namespace {

constexpr uint16_t messageType(uint16_t message) {
    return static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | message);
}

}  // namespace

NftablesGeneration::NftablesGeneration() : socket_(NETLINK_NETFILTER) {}

Result<uint32_t> NftablesGeneration::current() {
    struct {
        nlmsghdr header;
        nfgenmsg body;
    } request{};
    request.header.nlmsg_len = sizeof(request);
    request.header.nlmsg_type = messageType(NFT_MSG_GETGEN);
    request.header.nlmsg_flags = NLM_F_REQUEST;
    request.body.nfgen_family = AF_UNSPEC;
    request.body.version = NFNETLINK_V0;
    std::optional<uint32_t> generation;
    auto done = socket_.ask(request.header, "nftables generation", [&](const nlmsghdr& message) {
        if (!generation) {
            generation = parse(message);
        }
    });
    if (!done) {
        return Result<uint32_t>::failure(done.error());
    }
    if (!generation) {
        return Result<uint32_t>::failure("nftables generation: no generation in the answer");
    }
    return *generation;
}

std::optional<uint32_t> NftablesGeneration::parse(const nlmsghdr& message) {
    if (message.nlmsg_type != messageType(NFT_MSG_NEWGEN) ||
        message.nlmsg_len < NLMSG_LENGTH(sizeof(nfgenmsg))) {
        return std::nullopt;
    }
    const auto* bytes = reinterpret_cast<const unsigned char*>(&message);
    size_t offset = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(nfgenmsg)));
    const size_t end = message.nlmsg_len;
    while (offset + sizeof(nlattr) <= end) {
        nlattr attribute{};
        std::memcpy(&attribute, bytes + offset, sizeof(attribute));
        if (attribute.nla_len < sizeof(nlattr) || offset + attribute.nla_len > end) {
            return std::nullopt;
        }
        if ((attribute.nla_type & NLA_TYPE_MASK) == NFTA_GEN_ID &&
            attribute.nla_len == NLA_HDRLEN + sizeof(uint32_t)) {
            uint32_t id = 0;
            std::memcpy(&id, bytes + offset + NLA_HDRLEN, sizeof(id));
            return ntohl(id);
        }
        offset += NLA_ALIGN(attribute.nla_len);
    }
    return std::nullopt;
}

}  // namespace rtprelay::kernel
