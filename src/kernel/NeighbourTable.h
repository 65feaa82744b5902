#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/IpAddress.h"
#include "kernel/MacAddress.h"
#include "kernel/Result.h"

namespace rtprelay::kernel {

// The kernel's neighbour (ARP / NDP) entries over rtnetlink RTM_GETNEIGH, as `ip neigh`:
// the link-layer address a next hop has on a device, for frames that no neighbour output
// addresses (bpf_redirect_peer). Runs in the network namespace of the calling thread.
class NeighbourTable {
public:
    struct Entry {
        int ifindex = 0;
        net::IpAddress address;
        MacAddress mac{};
        bool hasMac = false;  // NDA_LLADDR present with 6 bytes
        uint16_t state = 0;   // NUD_*
        // A MAC the kernel would send to as it is (REACHABLE, STALE, DELAY, PROBE,
        // PERMANENT); INCOMPLETE and FAILED have none worth using.
        bool usable() const;
        std::string stateText() const;
    };

    // The entry for `address` on `ifindex`; no value when the kernel has none.
    static Result<std::optional<Entry>> find(int ifindex, const net::IpAddress& address);
    // Every IPv4 and IPv6 entry, in one dump.
    static Result<std::vector<Entry>> dump();
    // One RTM_NEWNEIGH message as the kernel sent it (untrusted: bounded parsing); no value
    // for entries of other families (bridge FDB, multicast).
    static Result<std::optional<Entry>> parse(const nlmsghdr& message);
};

}  // namespace rtprelay::kernel
