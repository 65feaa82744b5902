#include "kernel/RouteLookup.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>

#include "kernel/NetlinkQuery.h"

namespace rtprelay::kernel {

namespace {

struct Request {
    nlmsghdr header;
    rtmsg route;
    char attributes[2 * RTA_SPACE(16)];
};

void addAddress(Request& request, unsigned short type, const net::IpAddress& address) {
    size_t length = address.isV4() ? 4 : 16;
    auto* attribute = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&request) +
                                                NLMSG_ALIGN(request.header.nlmsg_len));
    attribute->rta_type = type;
    attribute->rta_len = static_cast<unsigned short>(RTA_LENGTH(length));
    std::memcpy(RTA_DATA(attribute), address.bytes().data(), length);
    request.header.nlmsg_len =
        NLMSG_ALIGN(request.header.nlmsg_len) + RTA_ALIGN(attribute->rta_len);
}

std::string describe(const net::IpAddress& from, const net::IpAddress& to) {
    return "route from " + from.toString() + " to " + to.toString();
}

}  // namespace

Result<int> RouteLookup::outputInterface(const net::IpAddress& from, const net::IpAddress& to) {
    auto found = route(from, to);
    if (!found) {
        return Result<int>::failure(found.error());
    }
    return found->ifindex;
}

Result<RouteLookup::Route> RouteLookup::route(const net::IpAddress& from,
                                              const net::IpAddress& to) {
    using Found = Result<Route>;
    if (from.family() != to.family()) {
        return Found::failure(describe(from, to) + ": address families differ");
    }
    Request request{};
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg));
    request.header.nlmsg_type = RTM_GETROUTE;
    request.header.nlmsg_flags = NLM_F_REQUEST;
    request.route.rtm_family = to.isV4() ? AF_INET : AF_INET6;
    request.route.rtm_dst_len = to.isV4() ? 32 : 128;
    request.route.rtm_src_len = to.isV4() ? 32 : 128;
    addAddress(request, RTA_DST, to);
    addAddress(request, RTA_SRC, from);

    std::optional<Route> found;
    const size_t addressLength = to.isV4() ? 4 : 16;
    auto done = NetlinkQuery::run(request.header, describe(from, to), [&](const nlmsghdr& m) {
        if (m.nlmsg_type != RTM_NEWROUTE || found || m.nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) {
            return;
        }
        const auto* answer = static_cast<const rtmsg*>(NLMSG_DATA(&m));
        auto length = static_cast<unsigned int>(RTM_PAYLOAD(&m));
        Route route;
        route.nextHop = to;
        for (const auto* attribute = RTM_RTA(answer); RTA_OK(attribute, length);
             attribute = NetlinkQuery::nextAttribute(attribute, length)) {
            if (attribute->rta_type == RTA_OIF && RTA_PAYLOAD(attribute) >= sizeof(int)) {
                std::memcpy(&route.ifindex, RTA_DATA(attribute), sizeof(int));
            } else if (attribute->rta_type == RTA_GATEWAY &&
                       RTA_PAYLOAD(attribute) == addressLength) {
                if (to.isV4()) {
                    in_addr a{};
                    std::memcpy(&a, RTA_DATA(attribute), 4);
                    route.nextHop = net::IpAddress::fromV4(a);
                } else {
                    in6_addr a{};
                    std::memcpy(&a, RTA_DATA(attribute), 16);
                    route.nextHop = net::IpAddress::fromV6(a);
                }
            }
        }
        if (route.ifindex > 0) {
            found = route;
        }
    });
    if (!done) {
        return Found::failure(done.error());
    }
    if (!found) {
        return Found::failure(describe(from, to) + ": the kernel named no output device");
    }
    return *found;
}

}  // namespace rtprelay::kernel
