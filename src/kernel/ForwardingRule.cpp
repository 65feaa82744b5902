#include "kernel/ForwardingRule.h"

#include <arpa/inet.h>

#include <cstring>

namespace rtprelay::kernel {

rtprelay_addr ForwardingRule::toKernelAddress(const net::Endpoint& endpoint) {
    rtprelay_addr out{};
    const net::IpAddress& ip = endpoint.address();
    out.family = ip.isV4() ? RTPRELAY_AF_INET : RTPRELAY_AF_INET6;
    out.port = htons(endpoint.port());
    std::memcpy(out.addr, ip.bytes().data(), ip.isV4() ? 4 : 16);
    return out;
}

std::optional<net::Endpoint> ForwardingRule::fromKernelAddress(const rtprelay_addr& address) {
    if (address.family == RTPRELAY_AF_INET) {
        in_addr a{};
        std::memcpy(&a, address.addr, 4);
        return net::Endpoint(net::IpAddress::fromV4(a), ntohs(address.port));
    }
    if (address.family == RTPRELAY_AF_INET6) {
        in6_addr a{};
        std::memcpy(&a, address.addr, 16);
        return net::Endpoint(net::IpAddress::fromV6(a), ntohs(address.port));
    }
    return std::nullopt;
}

std::optional<std::string> ForwardingRule::invalidReason() const {
    if (local.port() == 0) {
        return "local port is 0";
    }
    if (outSource.address().family() != local.address().family() ||
        outDestination.address().family() != local.address().family()) {
        // The program rewrites headers in place; IPv4<->IPv6 bridging stays in userspace.
        return "local, output source and destination are not all of one address family";
    }
    if (outDestination.port() == 0 || outDestination.address().isAny()) {
        return "no output destination";
    }
    if (outSource.port() == 0 || outSource.address().isAny()) {
        return "no output source";
    }
    if (outIfindex <= 0) {
        return "no output interface";
    }
    if (peer && (peer->destination == MacAddress{} || peer->source == MacAddress{})) {
        return "peer redirect without both MAC addresses";
    }
    return std::nullopt;
}

rtprelay_fwd_value ForwardingRule::value() const {
    rtprelay_fwd_value v{};
    if (expectedSource) {
        v.expected_src = toKernelAddress(*expectedSource);
    }
    v.out_src = toKernelAddress(outSource);
    v.out_dst = toKernelAddress(outDestination);
    v.out_ifindex = static_cast<uint32_t>(outIfindex);
    v.stats_slot = statsSlot;
    v.flags = (rtcpPort ? RTPRELAY_FLAG_RTCP_PORT : 0u) |
              (forwardMuxedRtcp ? RTPRELAY_FLAG_FORWARD_MUXED_RTCP : 0u) |
              (tos ? RTPRELAY_FLAG_SET_TOS : 0u) | (peer ? RTPRELAY_FLAG_REDIRECT_PEER : 0u);
    if (peer) {
        std::memcpy(v.eth_dst, peer->destination.data(), sizeof(v.eth_dst));
        std::memcpy(v.eth_src, peer->source.data(), sizeof(v.eth_src));
    }
    v.source_policy = static_cast<uint8_t>(sourcePolicy);
    v.tos = tos.value_or(0);
    for (size_t pt = 0; pt < payloadTypes.size(); ++pt) {
        if (payloadTypes[pt]) {
            v.payload_types[pt / 64] |= uint64_t{1} << (pt % 64);
        }
    }
    return v;
}

ForwardingRule ForwardingRule::fromKernel(const rtprelay_addr& key,
                                          const rtprelay_fwd_value& value) {
    ForwardingRule rule;
    rule.local = fromKernelAddress(key).value_or(net::Endpoint{});
    rule.expectedSource = fromKernelAddress(value.expected_src);
    rule.sourcePolicy = static_cast<SourcePolicy>(value.source_policy);
    rule.outSource = fromKernelAddress(value.out_src).value_or(net::Endpoint{});
    rule.outDestination = fromKernelAddress(value.out_dst).value_or(net::Endpoint{});
    rule.outIfindex = static_cast<int>(value.out_ifindex);
    if (value.flags & RTPRELAY_FLAG_SET_TOS) {
        rule.tos = value.tos;
    }
    for (size_t pt = 0; pt < rule.payloadTypes.size(); ++pt) {
        rule.payloadTypes[pt] = ((value.payload_types[pt / 64] >> (pt % 64)) & 1) != 0;
    }
    rule.rtcpPort = (value.flags & RTPRELAY_FLAG_RTCP_PORT) != 0;
    rule.forwardMuxedRtcp = (value.flags & RTPRELAY_FLAG_FORWARD_MUXED_RTCP) != 0;
    if (value.flags & RTPRELAY_FLAG_REDIRECT_PEER) {
        PeerRedirect peer;
        std::memcpy(peer.destination.data(), value.eth_dst, sizeof(value.eth_dst));
        std::memcpy(peer.source.data(), value.eth_src, sizeof(value.eth_src));
        rule.peer = peer;
    }
    rule.statsSlot = value.stats_slot;
    return rule;
}

}  // namespace rtprelay::kernel
