#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <utility>
#include <vector>

#include "media/RtcpPacket.h"

namespace rtprelay::media {
namespace {

const std::vector<uint8_t> kSrOneBlock = {
    0x81, 0xc8, 0x00, 0x0c,  // V=2, RC=1, SR, 13 words
    0x5e, 0x3f, 0x1c, 0x01,  // sender SSRC
    0xe7, 0x6c, 0x3a, 0x2b,  // NTP seconds
    0x41, 0x89, 0x37, 0x4b,  // NTP fraction
    0x00, 0x01, 0xe2, 0x40,  // RTP timestamp 123456
    0x00, 0x00, 0x00, 0xfa,  // 250 packets
    0x00, 0x00, 0x9c, 0x40,  // 40000 octets
    0x11, 0x22, 0x33, 0x44,  // block: source SSRC
    0x19, 0x00, 0x00, 0x07,  // 25/256 lost, 7 cumulative
    0x00, 0x01, 0x1a, 0x2b,  // extended highest sequence 72235
    0x00, 0x00, 0x00, 0x12,  // jitter 18
    0x3a, 0x2b, 0x41, 0x89,  // LSR
    0x00, 0x00, 0x80, 0x00,  // DLSR 0.5 s
};

const std::vector<uint8_t> kRrTwoBlocks = {
    0x82, 0xc9, 0x00, 0x0d,  // V=2, RC=2, RR, 14 words
    0x11, 0x22, 0x33, 0x44,  // sender SSRC
    0x5e, 0x3f, 0x1c, 0x01,  // block 1
    0x00, 0xff, 0xff, 0xff,  // nothing lost, cumulative -1 (a duplicate)
    0x00, 0x00, 0xff, 0xff,  //
    0x00, 0x00, 0x00, 0x2a,  //
    0x6c, 0x3a, 0x2b, 0x41,  //
    0x00, 0x01, 0x40, 0x00,  //
    0x0a, 0x0b, 0x0c, 0x0d,  // block 2
    0x80, 0x00, 0x00, 0x40,  // half lost, 64 cumulative
    0x00, 0x02, 0x00, 0x10,  //
    0x00, 0x00, 0x01, 0x00,  //
    0x00, 0x00, 0x00, 0x00,  // no SR received yet
    0x00, 0x00, 0x00, 0x00,  //
};

const std::vector<uint8_t> kSrSdes = {
    0x80, 0xc8, 0x00, 0x06,  // SR without blocks, 7 words
    0x5e, 0x3f, 0x1c, 0x01,  //
    0xe7, 0x6c, 0x3a, 0x2b,  //
    0x41, 0x89, 0x37, 0x4b,  //
    0x00, 0x01, 0xe2, 0x40,  //
    0x00, 0x00, 0x00, 0xfa,  //
    0x00, 0x00, 0x9c, 0x40,  //
    0x81, 0xca, 0x00, 0x06,  // SDES, one chunk, 7 words
    0x5e, 0x3f, 0x1c, 0x01,  //
    0x01, 0x10, 'u',  's',   // CNAME, 16 bytes
    'e',  'r',  '@',  'e',   //
    'x',  'a',  'm',  'p',   //
    'l',  'e',  '.',  'c',   //
    'o',  'm',  0x00, 0x00,  // end of items, alignment
};

const std::vector<uint8_t> kSrBye = {
    0x81, 0xc8, 0x00, 0x0c,  // the SR of kSrOneBlock
    0x5e, 0x3f, 0x1c, 0x01,  //
    0xe7, 0x6c, 0x3a, 0x2b,  //
    0x41, 0x89, 0x37, 0x4b,  //
    0x00, 0x01, 0xe2, 0x40,  //
    0x00, 0x00, 0x00, 0xfa,  //
    0x00, 0x00, 0x9c, 0x40,  //
    0x11, 0x22, 0x33, 0x44,  //
    0x19, 0x00, 0x00, 0x07,  //
    0x00, 0x01, 0x1a, 0x2b,  //
    0x00, 0x00, 0x00, 0x12,  //
    0x3a, 0x2b, 0x41, 0x89,  //
    0x00, 0x00, 0x80, 0x00,  //
    0x81, 0xcb, 0x00, 0x03,  // BYE, one SSRC, 4 words
    0x5e, 0x3f, 0x1c, 0x01,  //
    0x06, 'h',  'a',  'n',   // reason "hangup"
    'g',  'u',  'p',  0x00,  //
};

// Reduced-size RTCP (RFC 5506): a lone picture loss indication (RFC 4585 §6.3.1).
const std::vector<uint8_t> kPli = {
    0x81, 0xce, 0x00, 0x02,  // V=2, FMT=1 (PLI), PSFB, 3 words
    0x5e, 0x3f, 0x1c, 0x01,  // sender SSRC
    0x11, 0x22, 0x33, 0x44,  // media SSRC
};

RtcpSummary parse(const std::vector<uint8_t>& bytes, size_t size) {
    return parseRtcp(std::span<const uint8_t>(bytes.data(), size));
}

RtcpSummary parse(const std::vector<uint8_t>& bytes) {
    return parse(bytes, bytes.size());
}

std::vector<uint8_t> concat(std::initializer_list<const std::vector<uint8_t>*> parts) {
    std::vector<uint8_t> out;
    for (const auto* part : parts) {
        out.insert(out.end(), part->begin(), part->end());
    }
    return out;
}

void expectInvalid(const RtcpSummary& summary) {
    EXPECT_FALSE(summary.valid);
    EXPECT_EQ(summary.packetCount, 0);
    EXPECT_EQ(summary.blockCount, 0);
    EXPECT_EQ(summary.senderSsrc, 0u);
    EXPECT_FALSE(summary.hasSenderReport);
}

TEST(RtcpPacket, SenderReportWithOneBlock) {
    RtcpSummary s = parse(kSrOneBlock);
    ASSERT_TRUE(s.valid);
    EXPECT_EQ(s.packetCount, 1);
    EXPECT_EQ(s.senderSsrc, 0x5e3f1c01u);
    EXPECT_TRUE(s.hasSenderReport);
    EXPECT_EQ(s.ntpTimestamp, 0xe76c3a2b4189374bull);
    EXPECT_EQ(s.rtpTimestamp, 123456u);
    EXPECT_EQ(s.senderPackets, 250u);
    EXPECT_EQ(s.senderOctets, 40000u);
    ASSERT_EQ(s.blockCount, 1);
    const RtcpReportBlock& b = s.blocks[0];
    EXPECT_EQ(b.ssrc, 0x11223344u);
    EXPECT_EQ(b.fractionLost, 25);
    EXPECT_EQ(b.cumulativeLost, 7);
    EXPECT_EQ(b.extendedHighestSeq, 72235u);
    EXPECT_EQ(b.jitter, 18u);
    EXPECT_EQ(b.lastSr, 0x3a2b4189u);
    EXPECT_EQ(b.delaySinceLastSr, 0x8000u);
}

TEST(RtcpPacket, ReceiverReportWithTwoBlocks) {
    RtcpSummary s = parse(kRrTwoBlocks);
    ASSERT_TRUE(s.valid);
    EXPECT_EQ(s.packetCount, 1);
    EXPECT_EQ(s.senderSsrc, 0x11223344u);
    EXPECT_FALSE(s.hasSenderReport);
    EXPECT_EQ(s.ntpTimestamp, 0u);
    ASSERT_EQ(s.blockCount, 2);
    EXPECT_EQ(s.blocks[0].ssrc, 0x5e3f1c01u);
    EXPECT_EQ(s.blocks[0].fractionLost, 0);
    EXPECT_EQ(s.blocks[0].cumulativeLost, -1);
    EXPECT_EQ(s.blocks[0].extendedHighestSeq, 0xffffu);
    EXPECT_EQ(s.blocks[0].jitter, 42u);
    EXPECT_EQ(s.blocks[0].lastSr, 0x6c3a2b41u);
    EXPECT_EQ(s.blocks[0].delaySinceLastSr, 0x14000u);
    EXPECT_EQ(s.blocks[1].ssrc, 0x0a0b0c0du);
    EXPECT_EQ(s.blocks[1].fractionLost, 128);
    EXPECT_EQ(s.blocks[1].cumulativeLost, 64);
    EXPECT_EQ(s.blocks[1].lastSr, 0u);
}

TEST(RtcpPacket, CumulativeLostIsSigned24Bit) {
    std::vector<uint8_t> bytes = kSrOneBlock;
    const std::pair<std::array<uint8_t, 3>, int32_t> cases[] = {
        {{0x7f, 0xff, 0xff}, 8388607},
        {{0x80, 0x00, 0x00}, -8388608},
        {{0xff, 0xff, 0xfe}, -2},
        {{0x00, 0x00, 0x00}, 0},
    };
    for (const auto& [wire, value] : cases) {
        std::copy(wire.begin(), wire.end(), bytes.begin() + 33);
        RtcpSummary s = parse(bytes);
        ASSERT_TRUE(s.valid);
        EXPECT_EQ(s.blocks[0].cumulativeLost, value);
    }
}

TEST(RtcpPacket, SenderReportAndSdes) {
    RtcpSummary s = parse(kSrSdes);
    ASSERT_TRUE(s.valid);
    EXPECT_EQ(s.packetCount, 2);
    EXPECT_TRUE(s.hasSenderReport);
    EXPECT_EQ(s.senderPackets, 250u);
    EXPECT_EQ(s.blockCount, 0);
}

TEST(RtcpPacket, SenderReportAndBye) {
    RtcpSummary s = parse(kSrBye);
    ASSERT_TRUE(s.valid);
    EXPECT_EQ(s.packetCount, 2);
    EXPECT_TRUE(s.hasSenderReport);
    EXPECT_EQ(s.blockCount, 1);
}

TEST(RtcpPacket, ReducedSizePictureLossIndication) {
    RtcpSummary s = parse(kPli);
    ASSERT_TRUE(s.valid);
    EXPECT_EQ(s.packetCount, 1);
    EXPECT_EQ(s.senderSsrc, 0x5e3f1c01u);
    EXPECT_FALSE(s.hasSenderReport);
    EXPECT_EQ(s.blockCount, 0);
}

TEST(RtcpPacket, ReducedSizeMayStackFeedback) {
    // Browsers send e.g. a NACK (RTPFB) and a PLI together without an RR.
    const std::vector<uint8_t> nack = {0x81, 0xcd, 0x00, 0x03, 0x5e, 0x3f, 0x1c, 0x01,
                                       0x11, 0x22, 0x33, 0x44, 0x00, 0x10, 0x00, 0x00};
    RtcpSummary s = parse(concat({&nack, &kPli}));
    ASSERT_TRUE(s.valid);
    EXPECT_EQ(s.packetCount, 2);
    EXPECT_EQ(s.senderSsrc, 0x5e3f1c01u);
}

TEST(RtcpPacket, ReducedSizeTakesLaterReportOfSameSender) {
    RtcpSummary s = parse(concat({&kPli, &kSrOneBlock}));
    ASSERT_TRUE(s.valid);
    EXPECT_EQ(s.packetCount, 2);
    EXPECT_EQ(s.senderSsrc, 0x5e3f1c01u);
    EXPECT_TRUE(s.hasSenderReport);
    EXPECT_EQ(s.senderOctets, 40000u);
    EXPECT_EQ(s.blockCount, 1);
}

TEST(RtcpPacket, EveryKnownTypeAfterReport) {
    const std::vector<uint8_t> app = {0x80, 0xcc, 0x00, 0x02, 0x5e, 0x3f,
                                      0x1c, 0x01, 'n',  'a',  'm',  'e'};
    const std::vector<uint8_t> xr = {0x80, 0xcf, 0x00, 0x01, 0x5e, 0x3f, 0x1c, 0x01};
    const std::vector<uint8_t> emptySdes = {0x80, 0xca, 0x00, 0x00};
    const std::vector<uint8_t> emptyBye = {0x80, 0xcb, 0x00, 0x00};
    RtcpSummary s =
        parse(concat({&kRrTwoBlocks, &kSrSdes, &app, &xr, &kPli, &emptySdes, &emptyBye}));
    ASSERT_TRUE(s.valid);
    EXPECT_EQ(s.packetCount, 8);
}

TEST(RtcpPacket, KeepsFirstFourBlocksOfTheSender) {
    // An RR with five blocks followed by an RR continuing it: all validated, four stored.
    std::vector<uint8_t> bytes = {0x85, 0xc9, 0x00, 0x1f, 0x11, 0x22, 0x33, 0x44};
    for (uint8_t i = 1; i <= 5; ++i) {
        std::vector<uint8_t> block(24, 0);
        block[3] = i;
        bytes.insert(bytes.end(), block.begin(), block.end());
    }
    bytes.insert(bytes.end(), kRrTwoBlocks.begin(), kRrTwoBlocks.end());
    RtcpSummary s = parse(bytes);
    ASSERT_TRUE(s.valid);
    EXPECT_EQ(s.packetCount, 2);
    ASSERT_EQ(s.blockCount, 4);
    for (uint32_t i = 0; i < 4; ++i) {
        EXPECT_EQ(s.blocks[i].ssrc, i + 1);
    }
}

TEST(RtcpPacket, ContinuationReceiverReportAddsBlocks) {
    std::vector<uint8_t> rr = kRrTwoBlocks;
    std::copy(kSrOneBlock.begin() + 4, kSrOneBlock.begin() + 8, rr.begin() + 4);
    RtcpSummary s = parse(concat({&kSrOneBlock, &rr}));
    ASSERT_TRUE(s.valid);
    ASSERT_EQ(s.blockCount, 3);
    EXPECT_EQ(s.blocks[0].ssrc, 0x11223344u);
    EXPECT_EQ(s.blocks[1].ssrc, 0x5e3f1c01u);
    EXPECT_EQ(s.blocks[2].ssrc, 0x0a0b0c0du);
}

TEST(RtcpPacket, ReportsOfOtherSourcesAreNotAttributedToSender) {
    // A mixer's compound: its own RR, then a participant's SR.
    RtcpSummary s = parse(concat({&kRrTwoBlocks, &kSrOneBlock}));
    ASSERT_TRUE(s.valid);
    EXPECT_EQ(s.packetCount, 2);
    EXPECT_EQ(s.senderSsrc, 0x11223344u);
    EXPECT_FALSE(s.hasSenderReport);
    EXPECT_EQ(s.blockCount, 2);
}

TEST(RtcpPacket, ProfileExtensionAfterBlocks) {
    std::vector<uint8_t> bytes = kSrOneBlock;
    bytes[3] = 0x0d;
    bytes.insert(bytes.end(), {0xde, 0xad, 0xbe, 0xef});
    RtcpSummary s = parse(bytes);
    ASSERT_TRUE(s.valid);
    EXPECT_EQ(s.blockCount, 1);
}

TEST(RtcpPacket, PaddingOnLastPacket) {
    std::vector<uint8_t> bye = {0xa0, 0xcb, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04};
    EXPECT_TRUE(parse(concat({&kSrOneBlock, &bye})).valid);
    // A padded single report: the padding must not eat into the blocks.
    std::vector<uint8_t> sr = kSrOneBlock;
    sr[0] |= 0x20;
    sr[3] = 0x0d;
    sr.insert(sr.end(), {0x00, 0x00, 0x00, 0x04});
    RtcpSummary s = parse(sr);
    ASSERT_TRUE(s.valid);
    EXPECT_EQ(s.blockCount, 1);
    sr.back() = 5;
    expectInvalid(parse(sr));
}

TEST(RtcpPacket, RejectsBadPadding) {
    std::vector<uint8_t> bye = {0xa0, 0xcb, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04};
    bye.back() = 0;
    expectInvalid(parse(concat({&kSrOneBlock, &bye})));
    bye.back() = 5;  // more than the packet after its header
    expectInvalid(parse(concat({&kSrOneBlock, &bye})));
    // Padding is only allowed on the last packet of a compound.
    std::vector<uint8_t> sr = kSrOneBlock;
    sr[0] |= 0x20;
    sr[3] = 0x0d;
    sr.insert(sr.end(), {0x00, 0x00, 0x00, 0x04});
    ASSERT_TRUE(parse(sr).valid);
    expectInvalid(parse(concat({&sr, &kPli})));
}

TEST(RtcpPacket, EveryTruncationBetweenPacketsIsInvalid) {
    for (const auto* golden : {&kSrOneBlock, &kRrTwoBlocks, &kSrSdes, &kSrBye, &kPli}) {
        for (size_t size = 0; size < golden->size(); ++size) {
            // A cut exactly after the SR leaves a valid compound of one packet.
            if ((golden == &kSrSdes && size == 28) || (golden == &kSrBye && size == 52)) {
                EXPECT_TRUE(parse(*golden, size).valid);
                continue;
            }
            expectInvalid(parse(*golden, size));
        }
    }
}

TEST(RtcpPacket, RejectsBadVersion) {
    for (uint8_t version : {0, 1, 3}) {
        std::vector<uint8_t> bytes = kSrSdes;
        bytes[0] = static_cast<uint8_t>((bytes[0] & 0x3F) | (version << 6));
        expectInvalid(parse(bytes));
        bytes = kSrSdes;
        bytes[28] = static_cast<uint8_t>((bytes[28] & 0x3F) | (version << 6));
        expectInvalid(parse(bytes));
    }
}

TEST(RtcpPacket, RejectsLengthMismatch) {
    std::vector<uint8_t> bytes = kSrOneBlock;
    bytes[3] = 0x0d;  // one word more than present
    expectInvalid(parse(bytes));
    bytes[3] = 0xff;
    bytes[2] = 0xff;
    expectInvalid(parse(bytes));
    // Trailing bytes that do not form a packet.
    bytes = kSrOneBlock;
    bytes.insert(bytes.end(), {0x80, 0xca});
    expectInvalid(parse(bytes));
    bytes.insert(bytes.end(), {0x00, 0x00, 0x00, 0x00});
    expectInvalid(parse(bytes));
    // Too short for the announced report blocks.
    bytes = kRrTwoBlocks;
    bytes[0] = 0x83;
    expectInvalid(parse(bytes));
    bytes = kSrOneBlock;
    bytes[3] = 0x0b;
    bytes.resize(48);
    expectInvalid(parse(bytes));
}

TEST(RtcpPacket, RejectsShortFixedParts) {
    const std::vector<std::vector<uint8_t>> tooShort = {
        {0x81, 0xca, 0x00, 0x01, 0x5e, 0x3f, 0x1c, 0x01},  // SDES chunk without item word
        {0x82, 0xcb, 0x00, 0x01, 0x5e, 0x3f, 0x1c, 0x01},  // BYE of 2 SSRCs holding 1
        {0x80, 0xcc, 0x00, 0x01, 0x5e, 0x3f, 0x1c, 0x01},  // APP without name
        {0x81, 0xcd, 0x00, 0x01, 0x5e, 0x3f, 0x1c, 0x01},  // RTPFB without media SSRC
        {0x81, 0xce, 0x00, 0x01, 0x5e, 0x3f, 0x1c, 0x01},  // PSFB without media SSRC
        {0x80, 0xcf, 0x00, 0x00},                          // XR without SSRC
    };
    for (const auto& packet : tooShort) {
        expectInvalid(parse(concat({&kSrOneBlock, &packet})));
    }
    expectInvalid(parse(std::vector<uint8_t>{0x80, 0xc9, 0x00, 0x00}));  // RR without SSRC
    expectInvalid(parse(std::vector<uint8_t>{0x81, 0xce, 0x00, 0x01, 0, 0, 0, 1}));
}

TEST(RtcpPacket, RejectsUnknownTypes) {
    const std::vector<uint8_t> unknownAfterSr[] = {
        {0x80, 0xc0, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00},  // 192, old H.261 FIR
        {0x80, 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00},  // 199
        {0x80, 0xd0, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00},  // 208
        {0x80, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00},  // an RTP payload type
    };
    for (const auto& packet : unknownAfterSr) {
        expectInvalid(parse(concat({&kSrOneBlock, &packet})));
        expectInvalid(parse(packet));
    }
}

TEST(RtcpPacket, CompoundMustStartWithReportOrFeedback) {
    std::vector<uint8_t> sdes(kSrSdes.begin() + 28, kSrSdes.end());
    expectInvalid(parse(sdes));
    expectInvalid(parse(concat({&sdes, &kSrOneBlock})));
    std::vector<uint8_t> bye(kSrBye.begin() + 52, kSrBye.end());
    expectInvalid(parse(bye));
    const std::vector<uint8_t> app = {0x80, 0xcc, 0x00, 0x02, 0, 0, 0, 1, 'n', 'a', 'm', 'e'};
    expectInvalid(parse(app));
}

TEST(RtcpPacket, EmptyIsInvalid) {
    expectInvalid(parseRtcp({}));
}

TEST(RtcpPacket, PacketCountSaturates) {
    std::vector<uint8_t> bytes = kRrTwoBlocks;
    const std::vector<uint8_t> emptyBye = {0x80, 0xcb, 0x00, 0x00};
    for (int i = 0; i < 300; ++i) {
        bytes.insert(bytes.end(), emptyBye.begin(), emptyBye.end());
    }
    RtcpSummary s = parse(bytes);
    ASSERT_TRUE(s.valid);
    EXPECT_EQ(s.packetCount, 255);
}

TEST(RtcpRoundTrip, ExampleOfRfc3550) {
    // RFC 3550 §6.4.1: A 0xb710:8000, LSR 0xb705:2000, DLSR 0x0005:4000 → 6.125 s.
    EXPECT_EQ(rtcpRoundTripMs(0xb7052000, 0x00054000, 0xb7108000), 6125u);
}

TEST(RtcpRoundTrip, NoSenderReportYet) {
    EXPECT_EQ(rtcpRoundTripMs(0, 0x8000, 0x12345678), 0u);
    EXPECT_EQ(rtcpRoundTripMs(0, 0, 0), 0u);
}

TEST(RtcpRoundTrip, HalfSecond) {
    EXPECT_EQ(rtcpRoundTripMs(0x12340000, 0x8000, 0x12350000), 500u);
    EXPECT_EQ(rtcpRoundTripMs(0x12340000, 0x10000, 0x12350000), 0u);
}

TEST(RtcpRoundTrip, AcrossWrapOfMiddleWord) {
    EXPECT_EQ(rtcpRoundTripMs(0xffff8000, 0x4000, 0x00008000), 750u);
}

TEST(RtcpRoundTrip, NegativeIsZero) {
    EXPECT_EQ(rtcpRoundTripMs(0x12340000, 0x20000, 0x12350000), 0u);
    // A report claiming to come before the SR it answers.
    EXPECT_EQ(rtcpRoundTripMs(0x12350000, 0, 0x12340001), 0u);
    EXPECT_EQ(rtcpRoundTripMs(1, 0, 0), 0u);
}

TEST(RtcpRoundTrip, RoundsToMilliseconds) {
    EXPECT_EQ(rtcpRoundTripMs(0x10000, 0, 0x10000 + 32), 0u);  // 0.49 ms
    EXPECT_EQ(rtcpRoundTripMs(0x10000, 0, 0x10000 + 33), 1u);  // 0.50 ms
    EXPECT_EQ(rtcpRoundTripMs(0x10000, 0, 0x10000 + 66), 1u);  // 1.007 ms
    EXPECT_EQ(rtcpRoundTripMs(1, 0, 0x7fff0001), 32767000u);   // the longest accepted
}

}  // namespace
}  // namespace rtprelay::media
