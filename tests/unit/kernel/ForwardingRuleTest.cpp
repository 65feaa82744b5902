#include "kernel/ForwardingRule.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <cstring>

namespace rtprelay::kernel {
namespace {

net::Endpoint ep(const std::string& address, uint16_t port) {
    return {*net::IpAddress::parse(address), port};
}

ForwardingRule sample() {
    ForwardingRule rule;
    rule.local = ep("192.0.2.1", 30000);
    rule.expectedSource = ep("198.51.100.7", 4000);
    rule.sourcePolicy = SourcePolicy::drop;
    rule.outSource = ep("192.0.2.1", 30002);
    rule.outDestination = ep("203.0.113.9", 5004);
    rule.outIfindex = 3;
    rule.tos = 0xB8;
    rule.payloadTypes.set(0);
    rule.payloadTypes.set(101);
    rule.forwardMuxedRtcp = true;
    rule.statsSlot = 17;
    return rule;
}

TEST(ForwardingRule, KeyHoldsFamilyPortInNetworkOrderAndIpv4InTheFirstFourBytes) {
    rtprelay_addr key = sample().key();
    EXPECT_EQ(key.family, AF_INET);
    EXPECT_EQ(key.pad, 0);
    EXPECT_EQ(key.port, htons(30000));
    const uint8_t expected[16] = {192, 0, 2, 1};
    EXPECT_EQ(std::memcmp(key.addr, expected, 16), 0);

    rtprelay_addr key6 = ForwardingRule::toKernelAddress(ep("2001:db8::5", 7));
    EXPECT_EQ(key6.family, AF_INET6);
    EXPECT_EQ(key6.addr[0], 0x20);
    EXPECT_EQ(key6.addr[15], 0x05);
}

TEST(ForwardingRule, ValueEncodesEveryField) {
    rtprelay_fwd_value v = sample().value();
    EXPECT_EQ(v.expected_src.family, AF_INET);
    EXPECT_EQ(v.expected_src.port, htons(4000));
    EXPECT_EQ(v.source_policy, RTPRELAY_SOURCE_DROP);
    EXPECT_EQ(v.out_src.port, htons(30002));
    EXPECT_EQ(v.out_dst.addr[0], 203);
    EXPECT_EQ(v.out_ifindex, 3u);
    EXPECT_EQ(v.stats_slot, 17u);
    EXPECT_EQ(v.flags, RTPRELAY_FLAG_FORWARD_MUXED_RTCP | RTPRELAY_FLAG_SET_TOS);
    EXPECT_EQ(v.tos, 0xB8);
    EXPECT_EQ(v.payload_types[0], 1u);                 // PT 0
    EXPECT_EQ(v.payload_types[1], uint64_t{1} << 37);  // PT 101 = 64 + 37
    for (uint8_t b : v.pad) {
        EXPECT_EQ(b, 0);
    }
    for (size_t i = 0; i < 6; ++i) {  // neigh mode: bpf_redirect_neigh writes the MACs
        EXPECT_EQ(v.eth_dst[i], 0);
        EXPECT_EQ(v.eth_src[i], 0);
    }
}

TEST(ForwardingRule, PeerRedirectSetsTheFlagAndBothMacsInFrameOrder) {
    ForwardingRule rule = sample();
    rule.peer = PeerRedirect{{0x02, 0, 0, 0, 0, 0xbb}, {0x02, 0, 0, 0, 0, 0xaa}};
    rtprelay_fwd_value v = rule.value();
    EXPECT_EQ(v.flags & RTPRELAY_FLAG_REDIRECT_PEER, RTPRELAY_FLAG_REDIRECT_PEER);
    const uint8_t header[12] = {0x02, 0, 0, 0, 0, 0xbb, 0x02, 0, 0, 0, 0, 0xaa};
    EXPECT_EQ(std::memcmp(v.eth_dst, header, sizeof(header)), 0);
    EXPECT_EQ(ForwardingRule::fromKernel(rule.key(), v), rule);

    rule.peer->source = MacAddress{};
    EXPECT_EQ(rule.invalidReason(), "peer redirect without both MAC addresses");
}

TEST(ForwardingRule, NoExpectedSourceAndNoTosAreEncodedAsAbsent) {
    ForwardingRule rule = sample();
    rule.expectedSource.reset();
    rule.tos.reset();
    rule.rtcpPort = true;
    rule.forwardMuxedRtcp = false;
    rtprelay_fwd_value v = rule.value();
    EXPECT_EQ(v.expected_src.family, 0);
    EXPECT_EQ(v.flags, RTPRELAY_FLAG_RTCP_PORT);
}

TEST(ForwardingRule, RoundTripsThroughTheKernelLayout) {
    ForwardingRule rule = sample();
    EXPECT_EQ(ForwardingRule::fromKernel(rule.key(), rule.value()), rule);

    rule.local = ep("2001:db8::1", 30000);
    rule.expectedSource.reset();
    rule.outSource = ep("2001:db8::1", 30002);
    rule.outDestination = ep("2001:db8:9::9", 5004);
    rule.tos.reset();
    rule.allowAllPayloadTypes();
    EXPECT_EQ(ForwardingRule::fromKernel(rule.key(), rule.value()), rule);
}

TEST(ForwardingRule, RefusesWhatTheProgramCannotForward) {
    EXPECT_EQ(sample().invalidReason(), std::nullopt);

    ForwardingRule bridged = sample();
    bridged.outDestination = ep("2001:db8::9", 5004);
    EXPECT_TRUE(bridged.invalidReason());

    ForwardingRule noDevice = sample();
    noDevice.outIfindex = 0;
    EXPECT_EQ(noDevice.invalidReason(), "no output interface");

    ForwardingRule noPeer = sample();
    noPeer.outDestination = ep("0.0.0.0", 0);
    EXPECT_EQ(noPeer.invalidReason(), "no output destination");

    ForwardingRule noPort = sample();
    noPort.local.setPort(0);
    EXPECT_EQ(noPort.invalidReason(), "local port is 0");
}

}  // namespace
}  // namespace rtprelay::kernel
