#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "media/RtpPacket.h"

namespace rtprelay::media {
namespace {

// G.711 mu-law, 20 ms of near-silence as a SIP phone sends it.
const std::vector<uint8_t> kPcmu = {
    0x80, 0x00, 0x1a, 0x2b,  // V=2, PT 0 (PCMU), seq 6699
    0x00, 0x01, 0xe2, 0x40,  // timestamp 123456
    0x5e, 0x3f, 0x1c, 0x01,  // SSRC
    0x7d, 0xfe, 0xfc, 0xff, 0x7f, 0x7f, 0x7d, 0xff, 0x7e, 0xff, 0x7f, 0xfc, 0xfc, 0x7f, 0x7e, 0x7f,
    0xfc, 0xff, 0x7f, 0x7e, 0xff, 0xfc, 0xff, 0x7e, 0xff, 0xfe, 0xfd, 0xfc, 0xfe, 0x7f, 0xfd, 0xfe,
    0x7f, 0x7e, 0x7d, 0x7f, 0x7f, 0xff, 0x7e, 0x7c, 0xfc, 0x7d, 0x7c, 0x7c, 0x7d, 0xfd, 0x7e, 0xfe,
    0x7e, 0x7f, 0xfd, 0x7c, 0x7d, 0x7c, 0xfd, 0x7f, 0x7f, 0xfc, 0xfe, 0x7d, 0xfe, 0x7c, 0xfc, 0xff,
    0x7f, 0x7d, 0x7d, 0x7d, 0x7c, 0x7c, 0x7f, 0x7f, 0xfd, 0x7c, 0x7f, 0xff, 0xfd, 0x7c, 0xfd, 0xfc,
    0x7d, 0xff, 0x7c, 0x7d, 0xfe, 0x7f, 0x7c, 0xff, 0x7e, 0xfd, 0xfe, 0x7e, 0xfc, 0xfc, 0x7c, 0x7f,
    0xfe, 0x7c, 0xfc, 0xfd, 0xfe, 0xfc, 0xfd, 0xfc, 0x7d, 0xfc, 0x7e, 0xfe, 0x7f, 0xfe, 0xfe, 0x7e,
    0x7e, 0xff, 0x7c, 0xfe, 0xfd, 0xfd, 0xff, 0xfe, 0xfc, 0x7d, 0x7d, 0xfe, 0xff, 0x7c, 0xfc, 0xfc,
    0xfc, 0xfc, 0x7f, 0x7c, 0xfc, 0xff, 0x7e, 0x7f, 0x7e, 0x7c, 0xfe, 0x7f, 0x7d, 0xff, 0x7f, 0xff,
    0xfe, 0x7f, 0x7d, 0xff, 0x7f, 0x7e, 0xfc, 0xfe, 0xfd, 0x7d, 0x7d, 0x7c, 0x7f, 0x7f, 0x7c, 0x7c,
};

const std::vector<uint8_t> kWithCsrcs = {
    0x82, 0x88, 0x04, 0x00,  // V=2, CC=2, marker, PT 8 (PCMA), seq 1024
    0x00, 0x00, 0x0a, 0x00,  // timestamp 2560
    0x11, 0x22, 0x33, 0x44,  // SSRC
    0xaa, 0xbb, 0xcc, 0xdd,  // CSRC 1
    0x01, 0x02, 0x03, 0x04,  // CSRC 2
    0xd5, 0xd5, 0x55, 0x55, 0xd4, 0xd4, 0x54, 0x54,
};

// Opus with RFC 8285 one-byte extensions: audio level (id 1) and abs-send-time (id 2).
const std::vector<uint8_t> kWithExtension = {
    0x90, 0x6f, 0xff, 0xfe,  // V=2, X, PT 111, seq 65534
    0x7f, 0x00, 0x00, 0x10,  // timestamp
    0xc0, 0xff, 0xee, 0x00,  // SSRC
    0xbe, 0xde, 0x00, 0x02,  // profile 0xBEDE, 2 words
    0x10, 0xff, 0x22, 0x12,  // id 1 len 1: 0xff; id 2 len 3: 0x12 0x34 0x56
    0x34, 0x56, 0x00, 0x00,  // ..., 2 bytes alignment padding
    0x78, 0x0b, 0xe4, 0xc1, 0x36, 0xec, 0xc5, 0x8d, 0x8e, 0x4f,
};

const std::vector<uint8_t> kWithPadding = {
    0xa0, 0x60, 0x00, 0x07,  // V=2, P, PT 96, seq 7
    0x00, 0x00, 0x03, 0xc0,  // timestamp 960
    0xde, 0xad, 0xbe, 0xef,  // SSRC
    0x01, 0x02, 0x03, 0x04,  // payload
    0x00, 0x00, 0x00, 0x04,  // 4 bytes padding, the count included
};

std::optional<RtpHeaderView> parse(const std::vector<uint8_t>& bytes, size_t size) {
    return RtpHeaderView::parse(std::span<const uint8_t>(bytes.data(), size));
}

std::optional<RtpHeaderView> parse(const std::vector<uint8_t>& bytes) {
    return parse(bytes, bytes.size());
}

// Header + payload + padding must tile the packet, with payload() pointing into it.
void expectTiles(const RtpHeaderView& view, const std::vector<uint8_t>& bytes) {
    EXPECT_EQ(view.headerLength() + view.payloadLength() + view.paddingLength(), bytes.size());
    EXPECT_EQ(view.payload().data(), bytes.data() + view.headerLength());
    EXPECT_EQ(view.payload().size(), view.payloadLength());
    EXPECT_EQ(view.packet().data(), bytes.data());
}

TEST(RtpPacket, PlainPcmu) {
    auto view = parse(kPcmu);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->version(), 2);
    EXPECT_FALSE(view->padding());
    EXPECT_FALSE(view->extension());
    EXPECT_EQ(view->csrcCount(), 0);
    EXPECT_FALSE(view->marker());
    EXPECT_EQ(view->payloadType(), 0);
    EXPECT_EQ(view->sequenceNumber(), 6699);
    EXPECT_EQ(view->timestamp(), 123456u);
    EXPECT_EQ(view->ssrc(), 0x5e3f1c01u);
    EXPECT_EQ(view->headerLength(), 12u);
    EXPECT_EQ(view->payloadLength(), 160u);
    EXPECT_EQ(view->paddingLength(), 0u);
    EXPECT_EQ(view->csrc(0), 0u);
    EXPECT_EQ(view->extensionProfile(), 0);
    EXPECT_TRUE(view->extensionData().empty());
    expectTiles(*view, kPcmu);
}

TEST(RtpPacket, CsrcList) {
    auto view = parse(kWithCsrcs);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->csrcCount(), 2);
    EXPECT_TRUE(view->marker());
    EXPECT_EQ(view->payloadType(), 8);
    EXPECT_EQ(view->sequenceNumber(), 1024);
    EXPECT_EQ(view->ssrc(), 0x11223344u);
    EXPECT_EQ(view->csrc(0), 0xaabbccddu);
    EXPECT_EQ(view->csrc(1), 0x01020304u);
    EXPECT_EQ(view->csrc(2), 0u);
    EXPECT_EQ(view->headerLength(), 20u);
    EXPECT_EQ(view->payloadLength(), 8u);
    EXPECT_EQ(view->payload()[0], 0xd5);
    expectTiles(*view, kWithCsrcs);
}

TEST(RtpPacket, OneByteHeaderExtension) {
    auto view = parse(kWithExtension);
    ASSERT_TRUE(view);
    EXPECT_TRUE(view->extension());
    EXPECT_EQ(view->payloadType(), 111);
    EXPECT_EQ(view->sequenceNumber(), 65534);
    EXPECT_EQ(view->extensionProfile(), 0xBEDE);
    ASSERT_EQ(view->extensionData().size(), 8u);
    EXPECT_EQ(view->extensionData().data(), kWithExtension.data() + 16);
    EXPECT_EQ(view->headerLength(), 24u);
    EXPECT_EQ(view->payloadLength(), 10u);
    EXPECT_EQ(view->payload()[0], 0x78);
    expectTiles(*view, kWithExtension);
}

TEST(RtpPacket, AnyExtensionProfileAfterCsrcs) {
    // Two-byte header profile 0x1000 (RFC 8285 §4.3) behind one CSRC; an empty extension.
    std::vector<uint8_t> bytes = {0x91, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
                                  0x03, 0x00, 0x00, 0x00, 0x04, 0x10, 0x00, 0x00, 0x00, 0xaa};
    auto view = parse(bytes);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->csrc(0), 4u);
    EXPECT_EQ(view->extensionProfile(), 0x1000);
    EXPECT_TRUE(view->extensionData().empty());
    EXPECT_EQ(view->headerLength(), 20u);
    EXPECT_EQ(view->payloadLength(), 1u);
    expectTiles(*view, bytes);
}

TEST(RtpPacket, Padding) {
    auto view = parse(kWithPadding);
    ASSERT_TRUE(view);
    EXPECT_TRUE(view->padding());
    EXPECT_EQ(view->payloadType(), 96);
    EXPECT_EQ(view->headerLength(), 12u);
    EXPECT_EQ(view->payloadLength(), 4u);
    EXPECT_EQ(view->paddingLength(), 4u);
    EXPECT_EQ(view->payload().back(), 0x04);
    expectTiles(*view, kWithPadding);
}

TEST(RtpPacket, PaddingOnlyPacketHasEmptyPayload) {
    // Bandwidth probes are all padding; the count may take every byte after the header.
    std::vector<uint8_t> bytes(kWithPadding.begin(), kWithPadding.begin() + 12);
    bytes.insert(bytes.end(), {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08});
    auto view = parse(bytes);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->paddingLength(), 8u);
    EXPECT_EQ(view->payloadLength(), 0u);
    EXPECT_TRUE(view->payload().empty());
    expectTiles(*view, bytes);
}

TEST(RtpPacket, HeaderOnlyPacketHasEmptyPayload) {
    auto view = parse(kPcmu, 12);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->payloadLength(), 0u);
}

TEST(RtpPacket, RejectsEveryTruncatedHeader) {
    for (const auto* golden : {&kPcmu, &kWithCsrcs, &kWithExtension, &kWithPadding}) {
        const size_t headerLength = parse(*golden)->headerLength();
        for (size_t size = 0; size < headerLength; ++size) {
            EXPECT_FALSE(parse(*golden, size)) << "size " << size;
        }
    }
}

TEST(RtpPacket, TruncatedPayloadOfPlainPacketIsStillRtp) {
    // Without padding nothing says where the payload ends, so each prefix is a valid packet.
    for (size_t size = 12; size <= kPcmu.size(); ++size) {
        auto view = parse(kPcmu, size);
        ASSERT_TRUE(view) << "size " << size;
        EXPECT_EQ(view->payloadLength(), size - 12);
    }
}

TEST(RtpPacket, RejectsVersionOtherThanTwo) {
    for (uint8_t version : {0, 1, 3}) {
        std::vector<uint8_t> bytes = kPcmu;
        bytes[0] = static_cast<uint8_t>((bytes[0] & 0x3F) | (version << 6));
        EXPECT_FALSE(parse(bytes)) << "version " << int{version};
        EXPECT_FALSE(RtpHeaderView::parseHeader(bytes)) << "version " << int{version};
    }
}

TEST(RtpPacket, CsrcCountMustFit) {
    std::vector<uint8_t> bytes(12 + 15 * 4, 0);
    bytes[0] = 0x8F;
    auto view = parse(bytes);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->csrcCount(), 15);
    EXPECT_EQ(view->headerLength(), 72u);
    EXPECT_EQ(view->payloadLength(), 0u);
    EXPECT_FALSE(parse(bytes, bytes.size() - 1));
    // Two CSRCs announced, one present.
    EXPECT_FALSE(parse(kWithCsrcs, 16));
}

TEST(RtpPacket, ExtensionMustFit) {
    // The extension header word itself is missing.
    std::vector<uint8_t> bytes(kWithExtension.begin(), kWithExtension.begin() + 15);
    EXPECT_FALSE(parse(bytes));
    // One word more than the packet holds.
    bytes = std::vector<uint8_t>(kWithExtension.begin(), kWithExtension.begin() + 24);
    bytes[15] = 0x03;
    EXPECT_FALSE(parse(bytes));
    bytes[15] = 0x02;
    EXPECT_TRUE(parse(bytes));
    // The largest length field cannot wrap the arithmetic.
    bytes[14] = 0xff;
    bytes[15] = 0xff;
    EXPECT_FALSE(parse(bytes));
}

TEST(RtpPacket, RejectsZeroPadCount) {
    std::vector<uint8_t> bytes = kWithPadding;
    bytes.back() = 0;
    EXPECT_FALSE(parse(bytes));
}

TEST(RtpPacket, RejectsPaddingReachingIntoHeader) {
    std::vector<uint8_t> bytes = kWithPadding;
    bytes.back() = 8;  // exactly the bytes after the header
    ASSERT_TRUE(parse(bytes));
    bytes.back() = 9;
    EXPECT_FALSE(parse(bytes));
    bytes.back() = 0xff;
    EXPECT_FALSE(parse(bytes));
    // With CSRCs the header is longer, so the same count no longer fits.
    std::vector<uint8_t> csrcs = kWithCsrcs;
    csrcs[0] |= 0x20;
    csrcs.back() = 9;
    EXPECT_FALSE(parse(csrcs));
    csrcs.back() = 8;
    EXPECT_TRUE(parse(csrcs));
}

TEST(RtpPacket, RejectsPaddingBitWithoutRoomAfterHeader) {
    // The last byte would be part of the SSRC.
    std::vector<uint8_t> bytes(kWithPadding.begin(), kWithPadding.begin() + 12);
    bytes.back() = 1;
    EXPECT_FALSE(parse(bytes));
}

TEST(RtpPacket, ParseHeaderLeavesEncryptedPaddingAlone) {
    std::vector<uint8_t> bytes = kWithPadding;
    bytes.back() = 0;  // what SRTP ciphertext may hold there
    EXPECT_FALSE(parse(bytes));
    auto view = RtpHeaderView::parseHeader(bytes);
    ASSERT_TRUE(view);
    EXPECT_TRUE(view->padding());
    EXPECT_EQ(view->paddingLength(), 0u);
    EXPECT_EQ(view->payloadLength(), 8u);
    expectTiles(*view, bytes);
    EXPECT_FALSE(RtpHeaderView::parseHeader(std::span<const uint8_t>(kWithCsrcs.data(), 16)));
    EXPECT_FALSE(RtpHeaderView::parseHeader(std::span<const uint8_t>(kWithExtension.data(), 20)));
}

TEST(RtpPacket, RtcpPayloadTypeRange) {
    for (int second = 0; second < 256; ++second) {
        EXPECT_EQ(RtpHeaderView::isRtcpPayloadType(static_cast<uint8_t>(second)),
                  second >= 192 && second <= 223)
            << second;
    }
    static_assert(RtpHeaderView::isRtcpPayloadType(200));
    static_assert(!RtpHeaderView::isRtcpPayloadType(0x80 | 8));
}

}  // namespace
}  // namespace rtprelay::media
