// Golden packets through the real BPF program with BPF_PROG_TEST_RUN: every verdict and
// every rewritten byte. Needs root.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <set>

#include "kernel/BpfForwarder.h"
#include "unit/kernel/KernelTestSupport.h"
#include "unit/kernel/PacketBuilder.h"

namespace rtprelay::kernel {
namespace {

using test::kRedirect;
using test::kShot;
using test::kToStack;
using test::PacketBuilder;
using test::ParsedFrame;
using test::testRun;

net::Endpoint ep(const std::string& address, uint16_t port) {
    return {*net::IpAddress::parse(address), port};
}

int64_t wallClockUs() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}

// Caller 10.0.0.2:4000 sends to the relay's 10.0.0.1:30000; the relay forwards from its
// 10.1.0.1:40000 to the callee 10.1.0.2:50000.
ForwardingRule ipv4Rule() {
    ForwardingRule rule;
    rule.local = ep("10.0.0.1", 30000);
    rule.outSource = ep("10.1.0.1", 40000);
    rule.outDestination = ep("10.1.0.2", 50000);
    rule.outIfindex = 1;
    rule.payloadTypes.set(0);
    rule.payloadTypes.set(8);
    return rule;
}

ForwardingRule ipv6Rule() {
    ForwardingRule rule;
    rule.local = ep("2001:db8::1", 30000);
    rule.outSource = ep("2001:db8:1::1", 40000);
    rule.outDestination = ep("2001:db8:1::2", 50000);
    rule.outIfindex = 1;
    rule.payloadTypes.set(0);
    return rule;
}

PacketBuilder fromCaller() {
    return PacketBuilder().from("10.0.0.2", 4000).to("10.0.0.1", 30000);
}

PacketBuilder fromCaller6() {
    return PacketBuilder().from("2001:db8::2", 4000).to("2001:db8::1", 30000);
}

class BpfProgramTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(geteuid(), 0u) << "loading BPF programs needs root";
        BpfForwarder::Options options;
        options.pinRoot = pinRoot_.path();
        options.capacity = 64;
        forwarder_ = std::make_unique<BpfForwarder>(0, options);
    }

    void TearDown() override {
        if (forwarder_) {
            forwarder_->destroy();
        }
    }

    uint32_t install(const ForwardingRule& rule) {
        auto slot = forwarder_->upsert(rule);
        EXPECT_TRUE(slot) << slot.error();
        return slot ? *slot : 0;
    }

    test::TestRun run(const std::vector<uint8_t>& frame, uint32_t gsoSegments = 0) {
        return testRun(forwarder_->programFd(), frame, gsoSegments);
    }

    ForwardingStats stats(uint32_t slot) {
        auto s = forwarder_->readStats(slot);
        EXPECT_TRUE(s) << s.error();
        return s ? *s : ForwardingStats{};
    }

    uint64_t verdicts(rtprelay_verdict verdict) {
        auto v = forwarder_->readVerdicts();
        EXPECT_TRUE(v) << v.error();
        return v ? (*v)[verdict] : 0;
    }

    // The packet left alone: the verdict sends it to the stack and not one byte changed.
    void expectToStack(const std::vector<uint8_t>& frame) {
        auto result = run(frame);
        EXPECT_EQ(result.verdict, kToStack);
        EXPECT_EQ(result.frame, frame);
    }

    test::PinRoot pinRoot_;
    std::unique_ptr<BpfForwarder> forwarder_;
};

TEST_F(BpfProgramTest, Ipv4HitRewritesAddressesPortsTosTtlAndKeepsChecksumsValid) {
    ForwardingRule rule = ipv4Rule();
    rule.tos = 0xB8;
    uint32_t slot = install(rule);
    auto in = fromCaller().ttl(9).tos(0x00).rtp(0, 172).build();
    int64_t before = wallClockUs();

    auto result = run(in);
    int64_t after = wallClockUs();

    ASSERT_EQ(result.verdict, kRedirect);
    ASSERT_EQ(result.frame.size(), in.size());
    auto out = ParsedFrame::parse(result.frame);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->source, ep("10.1.0.1", 40000));
    EXPECT_EQ(out->destination, ep("10.1.0.2", 50000));
    EXPECT_EQ(out->tos, 0xB8);
    EXPECT_EQ(out->ttl, 64);  // a new packet from the relay, not a routed one
    EXPECT_TRUE(out->ipChecksumValid);
    EXPECT_TRUE(out->udpChecksumValid);
    EXPECT_NE(out->udpChecksum, 0);
    EXPECT_EQ(out->payload, ParsedFrame::parse(in)->payload);
    // Nothing else moved: Ethernet (bpf_redirect_neigh writes it when sending), IP id, flags,
    // lengths, protocol, UDP length, payload.
    const std::set<size_t> rewritten = {
        14 + 1,  14 + 8,  14 + 10, 14 + 11,                                      // tos, ttl, csum
        14 + 12, 14 + 13, 14 + 14, 14 + 15, 14 + 16, 14 + 17, 14 + 18, 14 + 19,  // addresses
        34 + 0,  34 + 1,  34 + 2,  34 + 3,  34 + 6,  34 + 7};                    // ports, csum
    for (size_t i = 0; i < in.size(); ++i) {
        if (!rewritten.count(i)) {
            EXPECT_EQ(result.frame[i], in[i]) << "byte " << i;
        }
    }

    ForwardingStats s = stats(slot);
    EXPECT_EQ(s.packets, 1u);
    EXPECT_EQ(s.bytes, 172u);
    EXPECT_EQ(s.errors, 0u);
    // Converted from the coarse CLOCK_MONOTONIC to the wall clock the userspace relay uses:
    // the stamp is the last tick's time, up to 10 ms (HZ=100) before the packet.
    EXPECT_GE(s.lastPacketUs, before - 11000);
    EXPECT_LE(s.lastPacketUs, after + 1000);
    EXPECT_EQ(verdicts(RTPRELAY_VERDICT_FORWARDED), 1u);
}

TEST_F(BpfProgramTest, Ipv4WithoutTosKeepsThePacketsTosAndTtl64Stays) {
    install(ipv4Rule());
    auto result = run(fromCaller().tos(0x28).ttl(64).rtp(8, 60).build());
    ASSERT_EQ(result.verdict, kRedirect);
    auto out = ParsedFrame::parse(result.frame);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->tos, 0x28);
    EXPECT_EQ(out->ttl, 64);
    EXPECT_TRUE(out->ipChecksumValid);
    EXPECT_TRUE(out->udpChecksumValid);
}

TEST_F(BpfProgramTest, Ipv4ZeroUdpChecksumMeansNoneAndStaysZero) {
    ForwardingRule rule = ipv4Rule();
    rule.tos = 0xB8;
    install(rule);
    auto result = run(fromCaller().zeroUdpChecksum().rtp(0, 100).build());
    ASSERT_EQ(result.verdict, kRedirect);
    auto out = ParsedFrame::parse(result.frame);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->udpChecksum, 0);
    EXPECT_TRUE(out->ipChecksumValid);
    EXPECT_EQ(out->destination, ep("10.1.0.2", 50000));
}

TEST_F(BpfProgramTest, Ipv6HitRewritesAddressesPortsTrafficClassHopLimitKeepsFlowLabel) {
    ForwardingRule rule = ipv6Rule();
    rule.tos = 0xB8;
    uint32_t slot = install(rule);
    auto in = fromCaller6().tos(0x04).ttl(3).flowLabel(0xABCDE).rtp(0, 172).build();

    auto result = run(in);

    ASSERT_EQ(result.verdict, kRedirect);
    ASSERT_EQ(result.frame.size(), in.size());
    auto out = ParsedFrame::parse(result.frame);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->source, ep("2001:db8:1::1", 40000));
    EXPECT_EQ(out->destination, ep("2001:db8:1::2", 50000));
    EXPECT_EQ(out->tos, 0xB8);
    EXPECT_EQ(out->flowLabel, 0xABCDEu);
    EXPECT_EQ(out->ttl, 64);
    EXPECT_TRUE(out->udpChecksumValid);
    EXPECT_EQ(out->payload, ParsedFrame::parse(in)->payload);
    EXPECT_EQ(std::vector<uint8_t>(result.frame.begin(), result.frame.begin() + 14),
              std::vector<uint8_t>(in.begin(), in.begin() + 14));
    EXPECT_EQ(stats(slot).packets, 1u);
}

// The program updates the checksums incrementally (one's-complement sums of the changed
// words); addresses and ports with carries in every position must still give checksums a
// receiver accepts, and IPv4's "no checksum" must stay 0.
// Peer mode: the frame goes into the veth peer's ingress as it is, so the program writes the
// next hop's MAC and the output device's; everything else is rewritten as in neigh mode.
TEST_F(BpfProgramTest, PeerRedirectWritesBothMacsAndRewritesIpAndUdpAsBefore) {
    const MacAddress nextHop{0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
    const MacAddress device{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
    for (bool ipv6 : {false, true}) {
        SCOPED_TRACE(ipv6 ? "IPv6" : "IPv4");
        ForwardingRule rule = ipv6 ? ipv6Rule() : ipv4Rule();
        rule.peer = PeerRedirect{nextHop, device};
        rule.tos = 0xB8;
        uint32_t slot = install(rule);
        auto in = (ipv6 ? fromCaller6() : fromCaller()).ttl(9).rtp(0, 172).build();
        ForwardingRule neigh = rule;
        neigh.peer.reset();

        auto result = run(in);

        ASSERT_EQ(result.verdict, kRedirect);
        ASSERT_EQ(result.frame.size(), in.size());
        EXPECT_TRUE(std::equal(nextHop.begin(), nextHop.end(), result.frame.begin()));
        EXPECT_TRUE(std::equal(device.begin(), device.end(), result.frame.begin() + 6));
        EXPECT_EQ(result.frame[12], in[12]);  // EtherType
        EXPECT_EQ(result.frame[13], in[13]);
        auto out = ParsedFrame::parse(result.frame);
        ASSERT_TRUE(out);
        EXPECT_EQ(out->source, rule.outSource);
        EXPECT_EQ(out->destination, rule.outDestination);
        EXPECT_EQ(out->tos, 0xB8);
        EXPECT_EQ(out->ttl, 64);
        EXPECT_TRUE(out->ipChecksumValid);
        EXPECT_TRUE(out->udpChecksumValid);
        EXPECT_EQ(out->payload, ParsedFrame::parse(in)->payload);
        EXPECT_EQ(stats(slot).packets, 1u);

        // The same entry in neigh mode: the IP and UDP part is byte for byte the same, the
        // Ethernet header is left to bpf_redirect_neigh.
        install(neigh);
        auto neighResult = run(in);
        ASSERT_EQ(neighResult.verdict, kRedirect);
        EXPECT_TRUE(std::equal(in.begin(), in.begin() + 14, neighResult.frame.begin()));
        EXPECT_TRUE(std::equal(result.frame.begin() + 14, result.frame.end(),
                               neighResult.frame.begin() + 14));
        ASSERT_TRUE(*forwarder_->erase(rule.local));
    }
}

TEST_F(BpfProgramTest, ChecksumsStayValidForAddressAndPortChangesWithCarries) {
    const std::vector<std::pair<std::string, uint16_t>> outs4 = {
        {"10.1.0.1", 40000}, {"255.255.255.254", 65535}, {"0.0.0.1", 1}, {"128.0.255.255", 32768}};
    const std::vector<std::pair<std::string, uint16_t>> outs6 = {
        {"2001:db8:1::1", 40000},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 65535},
        {"::1", 1},
        {"8000::ffff", 32768}};
    for (size_t i = 0; i < outs4.size(); ++i) {
        for (size_t j = 0; j < outs4.size(); ++j) {
            ForwardingRule rule = ipv4Rule();
            rule.outSource = ep(outs4[i].first, outs4[i].second);
            rule.outDestination = ep(outs4[j].first, outs4[j].second);
            rule.tos = static_cast<uint8_t>(0x2E * (i + j));
            install(rule);
            for (bool zero : {false, true}) {
                auto builder = fromCaller().ttl(static_cast<uint8_t>(1 + 70 * j)).rtp(0, 172);
                auto result = run(zero ? builder.zeroUdpChecksum().build() : builder.build());
                ASSERT_EQ(result.verdict, kRedirect);
                auto out = ParsedFrame::parse(result.frame);
                ASSERT_TRUE(out);
                SCOPED_TRACE(rule.outSource.toString() + " -> " + rule.outDestination.toString() +
                             (zero ? " checksum 0" : ""));
                EXPECT_EQ(out->source, rule.outSource);
                EXPECT_EQ(out->destination, rule.outDestination);
                EXPECT_TRUE(out->ipChecksumValid);
                EXPECT_TRUE(out->udpChecksumValid);
                EXPECT_EQ(out->udpChecksum == 0, zero);
            }

            ForwardingRule rule6 = ipv6Rule();
            rule6.outSource = ep(outs6[i].first, outs6[i].second);
            rule6.outDestination = ep(outs6[j].first, outs6[j].second);
            install(rule6);
            auto result =
                run(fromCaller6().ttl(static_cast<uint8_t>(1 + 70 * i)).rtp(0, 172).build());
            ASSERT_EQ(result.verdict, kRedirect);
            auto out = ParsedFrame::parse(result.frame);
            ASSERT_TRUE(out);
            SCOPED_TRACE(rule6.outSource.toString() + " -> " + rule6.outDestination.toString());
            EXPECT_EQ(out->destination, rule6.outDestination);
            EXPECT_TRUE(out->udpChecksumValid);
            EXPECT_NE(out->udpChecksum, 0);
        }
    }
}

// A UDP checksum whose sum comes out as zero is sent as 0xFFFF (RFC 768): 0 would mean "no
// checksum" in IPv4 and is invalid in IPv6, where receivers drop the packet.
TEST_F(BpfProgramTest, UdpChecksumThatComesOutZeroIsSentAsAllOnes) {
    install(ipv4Rule());
    install(ipv6Rule());
    for (bool ipv6 : {false, true}) {
        SCOPED_TRACE(ipv6 ? "IPv6" : "IPv4");
        auto builder = [&] { return ipv6 ? fromCaller6() : fromCaller(); };
        auto probe = run(builder().rtp(0, 172).build());
        ASSERT_EQ(probe.verdict, kRedirect);
        uint16_t checksum = ParsedFrame::parse(probe.frame)->udpChecksum;
        // Adding the rewritten packet's checksum to one payload word makes its sum all ones,
        // whose complement is zero.
        auto payload = ParsedFrame::parse(builder().rtp(0, 172).build())->payload;
        uint32_t word = (uint32_t{payload[12]} << 8 | payload[13]) + checksum;
        word = (word & 0xFFFF) + (word >> 16);
        payload[12] = static_cast<uint8_t>(word >> 8);
        payload[13] = static_cast<uint8_t>(word);

        auto result = run(builder().payload(payload).build());
        ASSERT_EQ(result.verdict, kRedirect);
        auto out = ParsedFrame::parse(result.frame);
        ASSERT_TRUE(out);
        EXPECT_EQ(out->udpChecksum, 0xFFFF);
        EXPECT_TRUE(out->udpChecksumValid);
    }
}

TEST_F(BpfProgramTest, MissLeavesThePacketToTheStackUntouched) {
    install(ipv4Rule());
    expectToStack(fromCaller().to("10.0.0.1", 30002).rtp(0, 172).build());
    expectToStack(fromCaller().to("10.0.0.9", 30000).rtp(0, 172).build());
    expectToStack(fromCaller6().rtp(0, 172).build());
    EXPECT_EQ(verdicts(RTPRELAY_VERDICT_MISS), 3u);
    EXPECT_EQ(verdicts(RTPRELAY_VERDICT_FORWARDED), 0u);
}

TEST_F(BpfProgramTest, WrongSourceWithDropPolicyIsDroppedAndCountedAsError) {
    ForwardingRule rule = ipv4Rule();
    rule.expectedSource = ep("10.0.0.2", 4000);
    rule.sourcePolicy = SourcePolicy::drop;
    uint32_t slot = install(rule);

    EXPECT_EQ(run(fromCaller().from("10.0.0.66", 4000).rtp(0, 172).build()).verdict, kShot);
    EXPECT_EQ(run(fromCaller().from("10.0.0.2", 4001).rtp(0, 172).build()).verdict, kShot);
    EXPECT_EQ(run(fromCaller().rtp(0, 172).build()).verdict, kRedirect);

    ForwardingStats s = stats(slot);
    EXPECT_EQ(s.errors, 2u);
    EXPECT_EQ(s.packets, 1u);
    EXPECT_EQ(verdicts(RTPRELAY_VERDICT_SOURCE_DROPPED), 2u);
}

TEST_F(BpfProgramTest, WrongSourceWithPassPolicyGoesToUserspace) {
    ForwardingRule rule = ipv4Rule();
    rule.expectedSource = ep("10.0.0.2", 4000);
    rule.sourcePolicy = SourcePolicy::pass;
    uint32_t slot = install(rule);

    expectToStack(fromCaller().from("10.0.0.66", 4000).rtp(0, 172).build());
    EXPECT_EQ(run(fromCaller().rtp(0, 172).build()).verdict, kRedirect);
    EXPECT_EQ(stats(slot).errors, 0u);
    EXPECT_EQ(verdicts(RTPRELAY_VERDICT_SOURCE_PASSED), 1u);
}

TEST_F(BpfProgramTest, WrongSourceWithIgnorePolicyIsForwarded) {
    ForwardingRule rule = ipv4Rule();
    rule.expectedSource = ep("10.0.0.2", 4000);
    rule.sourcePolicy = SourcePolicy::ignore;
    install(rule);
    EXPECT_EQ(run(fromCaller().from("10.0.0.66", 4000).rtp(0, 172).build()).verdict, kRedirect);
}

TEST_F(BpfProgramTest, ExpectedSourceWithPortZeroAcceptsAnyPortOfThatAddress) {
    ForwardingRule rule = ipv4Rule();
    rule.expectedSource = ep("10.0.0.2", 0);
    rule.sourcePolicy = SourcePolicy::drop;
    install(rule);
    EXPECT_EQ(run(fromCaller().from("10.0.0.2", 5555).rtp(0, 172).build()).verdict, kRedirect);
    EXPECT_EQ(run(fromCaller().from("10.0.0.3", 4000).rtp(0, 172).build()).verdict, kShot);
}

TEST_F(BpfProgramTest, StunGoesToUserspaceEvenFromAnUnexpectedSource) {
    ForwardingRule rule = ipv4Rule();
    rule.expectedSource = ep("10.0.0.2", 4000);
    rule.sourcePolicy = SourcePolicy::drop;
    install(rule);
    // ICE connectivity checks come from candidate addresses the entry does not know.
    expectToStack(fromCaller().from("192.0.2.7", 9).stun().build());
    expectToStack(fromCaller().stun().build());
}

TEST_F(BpfProgramTest, DtlsAndUnknownPayloadsGoToUserspace) {
    install(ipv4Rule());
    expectToStack(fromCaller().dtls().build());
    expectToStack(fromCaller().payload({0x10, 0x00, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8}).build());
    expectToStack(fromCaller().payload({0x40, 0x01, 0x00, 0x04, 1, 2, 3, 4}).build());  // TURN
    // Looks like STUN but has no magic cookie.
    expectToStack(fromCaller().payload(std::vector<uint8_t>(20, 0x01)).build());
    EXPECT_EQ(verdicts(RTPRELAY_VERDICT_NOT_MEDIA), 4u);
}

TEST_F(BpfProgramTest, RtpWithPayloadTypeNotInTheSetGoesToUserspace) {
    ForwardingRule rule = ipv4Rule();  // PT 0 and 8
    uint32_t slot = install(rule);
    expectToStack(fromCaller().rtp(101, 16).build());  // telephone-event
    expectToStack(fromCaller().rtp(9, 172).build());
    EXPECT_EQ(run(fromCaller().rtp(8, 172).build()).verdict, kRedirect);
    EXPECT_EQ(stats(slot).packets, 1u);
    EXPECT_EQ(verdicts(RTPRELAY_VERDICT_TO_USERSPACE), 2u);

    // The upper half of the bitmap: PT 101 allowed once the rule says so.
    rule.payloadTypes.set(101);
    install(rule);
    EXPECT_EQ(run(fromCaller().rtp(101, 16).build()).verdict, kRedirect);
    // The marker bit is not part of the payload type.
    auto marked = fromCaller().rtp(8, 172).build();
    marked[42 + 1] |= 0x80;
    EXPECT_EQ(run(marked).verdict, kRedirect);
}

TEST_F(BpfProgramTest, TruncatedAndMalformedPacketsGoToTheStackUntouched) {
    install(ipv4Rule());
    install(ipv6Rule());
    auto good = fromCaller().rtp(0, 172).build();
    // Cut inside the payload and the UDP header. (BPF_PROG_TEST_RUN itself refuses frames
    // whose IP header is cut, so those cannot be fed in here.)
    for (size_t length : {good.size() - 1, size_t{14 + 20 + 8 + 6}, size_t{14 + 20 + 4}}) {
        expectToStack(std::vector<uint8_t>(good.begin(), good.begin() + length));
    }
    auto good6 = fromCaller6().rtp(0, 172).build();
    expectToStack(std::vector<uint8_t>(good6.begin(), good6.begin() + 14 + 40 + 4));
    expectToStack(fromCaller().rtp(0, 172).udpLengthDelta(+4).build());
    expectToStack(fromCaller().rtp(0, 172).udpLengthDelta(-4).build());
    expectToStack(fromCaller6().rtp(0, 172).udpLengthDelta(+2).build());
    expectToStack(fromCaller().ipOptions().rtp(0, 172).build());
    expectToStack(fromCaller().fragment().rtp(0, 172).build());
    expectToStack(fromCaller().rtp(0, 172).etherType(0x0806).build());  // ARP
    expectToStack(fromCaller().rtp(0, 172).etherType(0x8100).build());  // VLAN tag
    expectToStack(fromCaller().rtp(0, 11).payload({0x80}).build());     // 1-byte payload
    expectToStack(fromCaller().payload({0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}).build());  // <12
    expectToStack(fromCaller().payload({}).build());
    // Random bytes after a valid Ethernet header.
    std::vector<uint8_t> garbage(good.begin(), good.begin() + 14);
    for (int i = 0; i < 80; ++i) {
        garbage.push_back(static_cast<uint8_t>(i * 37 + 11));
    }
    expectToStack(garbage);
    EXPECT_EQ(verdicts(RTPRELAY_VERDICT_FORWARDED), 0u);
}

TEST_F(BpfProgramTest, FramesForAnotherHostAreLeftToTheStack) {
    install(ipv4Rule());
    auto frame = fromCaller().rtp(0, 172).build();
    frame[0] = 0x02;  // a unicast MAC that is not the device's: seen only in promiscuous mode
    expectToStack(frame);
    EXPECT_EQ(verdicts(RTPRELAY_VERDICT_UNSUPPORTED), 1u);
}

TEST_F(BpfProgramTest, NonUdpTrafficIsNotCounted) {
    install(ipv4Rule());
    auto tcp = fromCaller().rtp(0, 172).build();
    tcp[14 + 9] = 6;  // TCP; the header checksum no longer matters to the program
    expectToStack(tcp);
    auto v = forwarder_->readVerdicts();
    ASSERT_TRUE(v);
    for (uint64_t count : v->counts) {
        EXPECT_EQ(count, 0u);
    }
}

TEST_F(BpfProgramTest, MuxedRtcpIsForwardedOnlyWithTheFlag) {
    ForwardingRule rule = ipv4Rule();
    install(rule);
    expectToStack(fromCaller().rtcp().build());

    rule.forwardMuxedRtcp = true;
    install(rule);
    auto result = run(fromCaller().rtcp().build());
    EXPECT_EQ(result.verdict, kRedirect);
    auto out = ParsedFrame::parse(result.frame);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->destination, ep("10.1.0.2", 50000));
    EXPECT_TRUE(out->udpChecksumValid);
}

TEST_F(BpfProgramTest, SeparateRtcpPortForwardsRtcpAndLeavesRtpToUserspace) {
    ForwardingRule rule = ipv4Rule();
    rule.local = ep("10.0.0.1", 30001);
    rule.outSource = ep("10.1.0.1", 40001);
    rule.outDestination = ep("10.1.0.2", 50001);
    rule.rtcpPort = true;
    install(rule);
    auto toRtcpPort = [] { return PacketBuilder().from("10.0.0.2", 4001).to("10.0.0.1", 30001); };
    EXPECT_EQ(run(toRtcpPort().rtcp(52).build()).verdict, kRedirect);
    expectToStack(toRtcpPort().rtp(0, 172).build());
}

TEST_F(BpfProgramTest, GroAggregatesAreLeftToTheStack) {
    install(ipv4Rule());
    auto frame = fromCaller().rtp(0, 172).build();
    auto result = run(frame, 2);
    EXPECT_EQ(result.verdict, kToStack);
    EXPECT_EQ(result.frame, frame);
    EXPECT_EQ(verdicts(RTPRELAY_VERDICT_GSO), 1u);
}

TEST_F(BpfProgramTest, ReplacingAnEntryKeepsItsCountersAndANewEntryStartsAtZero) {
    ForwardingRule rule = ipv4Rule();
    uint32_t slot = install(rule);
    run(fromCaller().rtp(0, 100).build());
    run(fromCaller().rtp(0, 100).build());

    // Re-INVITE: new destination, same local socket.
    rule.outDestination = ep("10.1.0.3", 50002);
    EXPECT_EQ(install(rule), slot);
    auto result = run(fromCaller().rtp(0, 100).build());
    EXPECT_EQ(ParsedFrame::parse(result.frame)->destination, ep("10.1.0.3", 50002));
    EXPECT_EQ(stats(slot).packets, 3u);
    EXPECT_EQ(stats(slot).bytes, 300u);

    // Deleted and created again: a fresh slot with fresh counters, even once the FIFO of
    // free slots comes round to the old one.
    ASSERT_TRUE(*forwarder_->erase(rule.local));
    for (int i = 0; i < 70; ++i) {
        uint32_t again = install(rule);
        EXPECT_EQ(stats(again).packets, 0u);
        ASSERT_TRUE(*forwarder_->erase(rule.local));
    }
    expectToStack(fromCaller().rtp(0, 100).build());
}

TEST_F(BpfProgramTest, FamilyMismatchInAnEntryGoesToUserspace) {
    // upsert() refuses bridging entries; written behind its back, the program must still not
    // put IPv6 addresses into an IPv4 header.
    ForwardingRule rule = ipv4Rule();
    rule.outSource = ep("2001:db8:1::1", 40000);
    rule.outDestination = ep("2001:db8:1::2", 50000);
    EXPECT_FALSE(forwarder_->upsert(rule));

    int map = bpf_obj_get((forwarder_->pinDirectory() + "/forward").c_str());
    ASSERT_GE(map, 0);
    rtprelay_addr key = rule.key();
    rtprelay_fwd_value value = rule.value();
    ASSERT_EQ(bpf_map_update_elem(map, &key, &value, BPF_ANY), 0);
    close(map);
    expectToStack(fromCaller().rtp(0, 172).build());
    EXPECT_EQ(verdicts(RTPRELAY_VERDICT_TO_USERSPACE), 1u);
}

}  // namespace
}  // namespace rtprelay::kernel
