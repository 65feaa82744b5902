#pragma once

#include "common/IpAddress.h"
#include "kernel/Result.h"

namespace rtprelay::kernel {

// Asks the kernel's routing table (rtnetlink RTM_GETROUTE, as `ip route get TO from FROM`)
// which device a packet from a local address to a peer leaves through: the output ifindex a
// forwarding entry needs. bpf_redirect_neigh repeats the route lookup per packet but only
// among routes through that device, so a change of the route to another device needs the
// entry rewritten. Runs in the network namespace of the calling thread.
class RouteLookup {
public:
    struct Route {
        int ifindex = 0;
        // The gateway (RTA_GATEWAY), else `to` itself: whose MAC the frames carry.
        net::IpAddress nextHop;
    };

    static Result<Route> route(const net::IpAddress& from, const net::IpAddress& to);
    static Result<int> outputInterface(const net::IpAddress& from, const net::IpAddress& to);
};

}  // namespace rtprelay::kernel
