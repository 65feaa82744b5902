#pragma once

#include <cstdint>

namespace rtprelay::kernel {

// Counters of one forwarding entry, summed over the CPUs. They belong to the entry's
// statistics slot, so replacing the entry (re-INVITE to the same socket) keeps them; a new
// entry starts at zero.
struct ForwardingStats {
    uint64_t packets = 0;  // forwarded in the kernel
    uint64_t bytes = 0;    // UDP payload bytes forwarded
    uint64_t errors = 0;   // dropped by the source check
    // Wall clock, µs since the epoch, like the userspace relay's last packet; 0 = never.
    // Converted from the kernel's coarse CLOCK_MONOTONIC stamp when read (see BpfForwarder),
    // so it can be up to one tick (<= 10 ms) early.
    int64_t lastPacketUs = 0;
    uint64_t lastPacketMonotonicNs = 0;  // the raw stamp, CLOCK_MONOTONIC ns; 0 = never
};

}  // namespace rtprelay::kernel
