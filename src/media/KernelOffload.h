#pragma once

#include <bitset>
#include <cstdint>
#include <optional>

#include "common/IpAddress.h"

namespace rtprelay::media {

// A socket route the relay would like the kernel to forward: packets arriving at `local`
// from `expectedSource` leave from `outSource` to `outDestination`.
struct OffloadRequest {
    net::Endpoint local;
    std::optional<net::Endpoint> expectedSource;
    bool dropOtherSources = true;  // false: hand them to userspace (media handover re-learns)
    net::Endpoint outSource;
    net::Endpoint outDestination;
    int tos = 0;                    // 0: leave the packet's TOS alone
    std::bitset<128> payloadTypes;  // RTP payload types the kernel forwards; others: userspace
    bool rtcpPort = false;          // `local` is a separate RTCP port
    bool forwardMuxedRtcp = false;  // muxed RTCP on an RTP port goes the same way
    // The kernel refused this route before for want of room: a retry that finds the table
    // still full costs no system call and is not counted as another refusal.
    bool retry = false;
};

// What install() did with a request.
struct OffloadOutcome {
    std::optional<uint32_t> slot;  // installed: the entry's statistics slot
    // Not installed for now (table full, no route yet, a failing system call): worth asking
    // again later. Otherwise a refusal is final for this route (e.g. it is invalid).
    bool retryLater = false;
};

struct KernelCounters {
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint64_t errors = 0;
    int64_t lastPacketUs = 0;  // wall clock; 0 = never
};

// The in-kernel fast path as the relay sees it. The relay offers routes once both ends are
// known; whatever the kernel refuses simply stays in userspace, whose sockets never close.
class KernelOffload {
public:
    virtual ~KernelOffload() = default;
    virtual OffloadOutcome install(const OffloadRequest& request) = 0;
    virtual void remove(const net::Endpoint& local) = 0;
    virtual std::optional<KernelCounters> counters(uint32_t slot) const = 0;
};

// Told when media ports are bound and released (firewall pinholes, stale kernel entries).
class PortObserver {
public:
    virtual ~PortObserver() = default;
    virtual void portsOpened(const net::IpAddress& address, uint16_t rtp, uint16_t rtcp) = 0;
    virtual void portsClosed(const net::IpAddress& address, uint16_t rtp, uint16_t rtcp) = 0;
};

}  // namespace rtprelay::media
