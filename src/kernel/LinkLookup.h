#pragma once

#include <linux/netlink.h>

#include <string>

#include "kernel/MacAddress.h"
#include "kernel/Result.h"

namespace rtprelay::kernel {

// What peer delivery needs to know about an output device, from rtnetlink RTM_GETLINK (as
// `ip -d link show`): whether it is a veth whose peer lives in another network namespace
// (bpf_redirect_peer drops packets for a peer in the same one) and its MAC address.
class LinkLookup {
public:
    struct Link {
        int ifindex = 0;
        bool veth = false;           // IFLA_LINKINFO / IFLA_INFO_KIND "veth"
        bool peerElsewhere = false;  // IFLA_LINK_NETNSID: the peer is in another namespace
        MacAddress mac{};            // IFLA_ADDRESS
        bool hasMac = false;         // IFLA_ADDRESS present with 6 bytes
    };

    // The device `ifindex` in the namespace of the calling thread.
    static Result<Link> find(int ifindex);
    // One RTM_NEWLINK message as the kernel sent it (untrusted: bounded parsing).
    static Result<Link> parse(const nlmsghdr& message);
};

}  // namespace rtprelay::kernel
