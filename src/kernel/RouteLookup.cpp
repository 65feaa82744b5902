#include "kernel/RouteLookup.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
        return Found::failure("netlink socket: " + std::string(std::strerror(errno)));
    }
    Request request{};
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg));
    request.header.nlmsg_type = RTM_GETROUTE;
    request.header.nlmsg_flags = NLM_F_REQUEST;
    request.header.nlmsg_seq = 1;
    request.route.rtm_family = to.isV4() ? AF_INET : AF_INET6;
    request.route.rtm_dst_len = to.isV4() ? 32 : 128;
    request.route.rtm_src_len = to.isV4() ? 32 : 128;
    addAddress(request, RTA_DST, to);
    addAddress(request, RTA_SRC, from);

    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (sendto(fd, &request, request.header.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof(kernel)) < 0) {
        int err = errno;
        close(fd);
        return Found::failure(describe(from, to) + ": " + std::strerror(err));
    }
    alignas(nlmsghdr) char buffer[8192];
    ssize_t received = recv(fd, buffer, sizeof(buffer), 0);
    int err = errno;
    close(fd);
    if (received < 0) {
        return Found::failure(describe(from, to) + ": " + std::strerror(err));
    }
    auto remaining = static_cast<unsigned int>(received);
    for (auto* message = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(message, remaining);
         message = NLMSG_NEXT(message, remaining)) {
        if (message->nlmsg_type == NLMSG_ERROR) {
            auto* error = static_cast<nlmsgerr*>(NLMSG_DATA(message));
            return Found::failure(describe(from, to) + ": " + std::strerror(-error->error));
        }
        if (message->nlmsg_type != RTM_NEWROUTE) {
            continue;
        }
        auto* answer = static_cast<rtmsg*>(NLMSG_DATA(message));
        auto length = static_cast<unsigned int>(RTM_PAYLOAD(message));
        Route found;
        found.nextHop = to;
        const size_t addressLength = to.isV4() ? 4 : 16;
        for (auto* attribute = RTM_RTA(answer); RTA_OK(attribute, length);
             attribute = RTA_NEXT(attribute, length)) {
            if (attribute->rta_type == RTA_OIF && RTA_PAYLOAD(attribute) >= sizeof(int)) {
                std::memcpy(&found.ifindex, RTA_DATA(attribute), sizeof(int));
            } else if (attribute->rta_type == RTA_GATEWAY &&
                       RTA_PAYLOAD(attribute) == addressLength) {
                if (to.isV4()) {
                    in_addr a{};
                    std::memcpy(&a, RTA_DATA(attribute), 4);
                    found.nextHop = net::IpAddress::fromV4(a);
                } else {
                    in6_addr a{};
                    std::memcpy(&a, RTA_DATA(attribute), 16);
                    found.nextHop = net::IpAddress::fromV6(a);
                }
            }
        }
        if (found.ifindex > 0) {
            return found;
        }
    }
    return Found::failure(describe(from, to) + ": the kernel named no output device");
}

}  // namespace rtprelay::kernel
