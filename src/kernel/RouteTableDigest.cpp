#include "kernel/RouteTableDigest.h"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include "kernel/NetlinkQuery.h"

namespace rtprelay::kernel {

namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;

void mix(uint64_t& hash, const void* data, size_t length) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < length; ++i) {
        hash = (hash ^ bytes[i]) * kFnvPrime;
    }
}

bool describesTheRoute(unsigned short type) {
    switch (type) {
        case RTA_TABLE:
        case RTA_DST:
        case RTA_GATEWAY:
        case RTA_OIF:
        case RTA_PRIORITY:
        case RTA_PREFSRC:
        case RTA_MULTIPATH:
        case RTA_VIA:
        case RTA_NH_ID:
            return true;
        default:
            return false;
    }
}

}  // namespace

void RouteTableDigest::add(uint64_t& digest, const nlmsghdr& message) {
    if (message.nlmsg_type != RTM_NEWROUTE || message.nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) {
        return;
    }
    const auto* route = static_cast<const rtmsg*>(NLMSG_DATA(&message));
    uint64_t hash = kFnvOffset;
    const unsigned char header[] = {route->rtm_family, route->rtm_dst_len, route->rtm_table,
                                    route->rtm_scope, route->rtm_type};
    mix(hash, header, sizeof(header));
    auto length = static_cast<unsigned int>(RTM_PAYLOAD(&message));
    for (const auto* attribute = RTM_RTA(route); RTA_OK(attribute, length);
         attribute = NetlinkQuery::nextAttribute(attribute, length)) {
        if (!describesTheRoute(attribute->rta_type)) {
            continue;
        }
        unsigned short type = attribute->rta_type;
        mix(hash, &type, sizeof(type));
        mix(hash, RTA_DATA(attribute), RTA_PAYLOAD(attribute));
    }
    // A sum does not depend on the order of the dump.
    digest += hash;
}

Result<uint64_t> RouteTableDigest::read() {
    struct {
        nlmsghdr header;
        rtmsg route;
    } request{};
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg));
    request.header.nlmsg_type = RTM_GETROUTE;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.route.rtm_family = AF_UNSPEC;
    uint64_t digest = 0;
    auto done = NetlinkQuery::run(request.header, "route dump",
                                  [&](const nlmsghdr& message) { add(digest, message); });
    if (!done) {
        return Result<uint64_t>::failure(done.error());
    }
    return digest;
}

}  // namespace rtprelay::kernel
