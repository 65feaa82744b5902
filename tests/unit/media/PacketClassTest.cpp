#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "media/PacketClass.h"

namespace rtprelay::media {
namespace {

// A STUN Binding request as an ICE agent sends it (RFC 8489 §5), without attributes.
const std::vector<uint8_t> kStunBindingRequest = {
    0x00, 0x01, 0x00, 0x00,  // Binding request, length 0
    0x21, 0x12, 0xa4, 0x42,  // magic cookie
    0x6f, 0x2b, 0x1c, 0x4d, 0x9a, 0x11, 0x03, 0x7e, 0x52, 0x0c, 0x88, 0xe1,  // transaction
};

// The record header of a DTLS 1.2 ClientHello (RFC 6347 §4.1).
const std::vector<uint8_t> kDtlsClientHello = {
    0x16, 0xfe, 0xfd,                    // handshake, DTLS 1.2
    0x00, 0x00,                          // epoch
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // sequence number
    0x00, 0x04,                          // length
    0x01, 0x00, 0x00, 0x00,
};

const std::vector<uint8_t> kRtpPcmuHeader = {0x80, 0x00, 0x1a, 0x2b, 0x00, 0x01,
                                             0xe2, 0x40, 0x5e, 0x3f, 0x1c, 0x01};

const std::vector<uint8_t> kRtcpEmptyReceiverReport = {0x80, 0xc9, 0x00, 0x01,
                                                       0x5e, 0x3f, 0x1c, 0x01};

PacketClass classifyWith(std::vector<uint8_t> bytes, size_t index, uint8_t value) {
    bytes[index] = value;
    return classify(bytes);
}

TEST(PacketClass, Goldens) {
    EXPECT_EQ(classify(kStunBindingRequest), PacketClass::stun);
    EXPECT_EQ(classify(kDtlsClientHello), PacketClass::dtls);
    EXPECT_EQ(classify(kRtpPcmuHeader), PacketClass::rtp);
    EXPECT_EQ(classify(kRtcpEmptyReceiverReport), PacketClass::rtcp);
}

TEST(PacketClass, EmptyIsUnknown) {
    EXPECT_EQ(classify({}), PacketClass::unknown);
}

TEST(PacketClass, EveryFirstByte) {
    // 20 bytes hold every class's fixed header; the STUN cookie is in place for 0..3.
    for (int first = 0; first < 256; ++first) {
        const PacketClass expected = first <= 3                     ? PacketClass::stun
                                     : first >= 20 && first <= 63   ? PacketClass::dtls
                                     : first >= 128 && first <= 191 ? PacketClass::rtp
                                                                    : PacketClass::unknown;
        EXPECT_EQ(classifyWith(kStunBindingRequest, 0, static_cast<uint8_t>(first)), expected)
            << "first byte " << first;
    }
}

TEST(PacketClass, RangeEdges) {
    EXPECT_EQ(classifyWith(kStunBindingRequest, 0, 3), PacketClass::stun);
    EXPECT_EQ(classifyWith(kStunBindingRequest, 0, 4), PacketClass::unknown);
    EXPECT_EQ(classifyWith(kDtlsClientHello, 0, 19), PacketClass::unknown);  // ZRTP
    EXPECT_EQ(classifyWith(kDtlsClientHello, 0, 20), PacketClass::dtls);
    EXPECT_EQ(classifyWith(kDtlsClientHello, 0, 63), PacketClass::dtls);
    EXPECT_EQ(classifyWith(kDtlsClientHello, 0, 64), PacketClass::unknown);  // TURN channel
    EXPECT_EQ(classifyWith(kRtpPcmuHeader, 0, 127), PacketClass::unknown);
    EXPECT_EQ(classifyWith(kRtpPcmuHeader, 0, 128), PacketClass::rtp);
    EXPECT_EQ(classifyWith(kRtpPcmuHeader, 0, 191), PacketClass::rtp);
    EXPECT_EQ(classifyWith(kRtpPcmuHeader, 0, 192), PacketClass::unknown);  // version 3
    EXPECT_EQ(classifyWith(kRtcpEmptyReceiverReport, 0, 0x40), PacketClass::unknown);
}

TEST(PacketClass, RtpOrRtcpBySecondByte) {
    for (int second = 0; second < 256; ++second) {
        const PacketClass expected =
            second >= 192 && second <= 223 ? PacketClass::rtcp : PacketClass::rtp;
        EXPECT_EQ(classifyWith(kRtpPcmuHeader, 1, static_cast<uint8_t>(second)), expected)
            << "second byte " << second;
    }
    EXPECT_EQ(classifyWith(kRtpPcmuHeader, 1, 191), PacketClass::rtp);  // marker, PT 63
    EXPECT_EQ(classifyWith(kRtpPcmuHeader, 1, 192), PacketClass::rtcp);
    EXPECT_EQ(classifyWith(kRtpPcmuHeader, 1, 223), PacketClass::rtcp);
    EXPECT_EQ(classifyWith(kRtpPcmuHeader, 1, 224), PacketClass::rtp);  // marker, PT 96
    EXPECT_EQ(classifyWith(kRtpPcmuHeader, 1, 72), PacketClass::rtp);   // PT 72 without marker
}

TEST(PacketClass, StunNeedsCookieAndFullHeader) {
    EXPECT_EQ(classify(std::span(kStunBindingRequest).first(19)), PacketClass::unknown);
    EXPECT_EQ(classifyWith(kStunBindingRequest, 4, 0x20), PacketClass::unknown);
    EXPECT_EQ(classifyWith(kStunBindingRequest, 7, 0x43), PacketClass::unknown);
    // Classic STUN (RFC 3489) had a random transaction id where the cookie is.
    EXPECT_EQ(classify(std::vector<uint8_t>(20, 0x01)), PacketClass::unknown);
}

TEST(PacketClass, ShortPacketsAreUnknown) {
    EXPECT_EQ(classify(std::span(kDtlsClientHello).first(12)), PacketClass::unknown);
    EXPECT_EQ(classify(std::span(kDtlsClientHello).first(13)), PacketClass::dtls);
    EXPECT_EQ(classify(std::span(kRtpPcmuHeader).first(11)), PacketClass::unknown);
    EXPECT_EQ(classify(std::span(kRtpPcmuHeader).first(1)), PacketClass::unknown);
    EXPECT_EQ(classify(std::span(kRtcpEmptyReceiverReport).first(7)), PacketClass::unknown);
    EXPECT_EQ(classify(std::span(kRtcpEmptyReceiverReport).first(2)), PacketClass::unknown);
}

}  // namespace
}  // namespace rtprelay::media
