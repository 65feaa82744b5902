#pragma once

#include <linux/netlink.h>

#include <cstdint>

#include "kernel/Result.h"

namespace rtprelay::kernel {

// A fingerprint of the routing tables of the calling thread's network namespace (IPv4 and
// IPv6, every table): per route its family, table, type, scope, destination, gateway, device,
// priority, preferred source and multipath next hops, combined independently of the order the
// kernel lists them in. Counters, cache information and expiry times are left out, so the
// digest changes when routes do and only then: a periodic check can tell cheaply whether the
// next hops it copied into kernel entries may be stale.
class RouteTableDigest {
public:
    static Result<uint64_t> read();
    // Adds one RTM_NEWROUTE message to `digest` (other messages are ignored); its length must
    // lie within the buffer (NetlinkQuery checks that).
    static void add(uint64_t& digest, const nlmsghdr& message);
};

}  // namespace rtprelay::kernel
