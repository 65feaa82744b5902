#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

#include "common/IpAddress.h"
#include "kernel/MacAddress.h"
#include "kernel/bpf/forwarding.h"

namespace rtprelay::kernel {

// What the kernel does with a packet from somewhere other than the expected source
// (rtpengine's source-mismatch policies).
enum class SourcePolicy : uint8_t {
    ignore = RTPRELAY_SOURCE_IGNORE,  // forward anyway
    drop = RTPRELAY_SOURCE_DROP,      // strict source: drop and count an error
    pass = RTPRELAY_SOURCE_PASS,      // userspace decides (learning, media handover)
};

// Delivery straight into the peer of a veth output device (bpf_redirect_peer): the frame
// leaves with these addresses, which no neighbour lookup writes on that path.
struct PeerRedirect {
    MacAddress destination;  // the next hop's, from the neighbour table
    MacAddress source;       // the output device's own
    friend bool operator==(const PeerRedirect&, const PeerRedirect&) = default;
};

// One entry of the kernel forwarding table: packets arriving at `local` leave from
// `outSource` to `outDestination` through device `outIfindex`. The C++ face of
// rtprelay_addr + rtprelay_fwd_value; both directions of a call are two rules.
struct ForwardingRule {
    net::Endpoint local;  // the relay socket the packets arrive at (the key)
    // No value: any source. Port 0: any port of that address.
    std::optional<net::Endpoint> expectedSource;
    SourcePolicy sourcePolicy = SourcePolicy::ignore;
    net::Endpoint outSource;       // the relay's socket on the other leg
    net::Endpoint outDestination;  // the other leg's peer; same family as `local`
    int outIfindex = 0;            // device the route to outDestination leaves through
    std::optional<uint8_t> tos;    // whole TOS / traffic class byte; no value keeps the packet's
    // RTP payload types forwarded in the kernel; the others reach the userspace socket.
    std::bitset<128> payloadTypes;
    bool rtcpPort = false;          // `local` is a separate RTCP port: forward RTCP only
    bool forwardMuxedRtcp = false;  // on an RTP port, forward muxed RTCP too
    // No value: bpf_redirect_neigh out of outIfindex (route and neighbour lookup per packet).
    std::optional<PeerRedirect> peer;
    // Set by BpfForwarder (upsert's result, entries()); ignored on input.
    uint32_t statsSlot = 0;

    // Sets every payload type 0..127 (no filtering).
    void allowAllPayloadTypes() { payloadTypes.set(); }

    // Why the kernel could not forward by this rule, or nothing if it can.
    std::optional<std::string> invalidReason() const;

    rtprelay_addr key() const { return toKernelAddress(local); }
    rtprelay_fwd_value value() const;
    static ForwardingRule fromKernel(const rtprelay_addr& key, const rtprelay_fwd_value& value);

    static rtprelay_addr toKernelAddress(const net::Endpoint& endpoint);
    // Family 0 (unset) gives nothing.
    static std::optional<net::Endpoint> fromKernelAddress(const rtprelay_addr& address);

    friend bool operator==(const ForwardingRule&, const ForwardingRule&) = default;
};

}  // namespace rtprelay::kernel
