#include "media/PacketClass.h"

#include "media/ByteOrder.h"
#include "media/RtpPacket.h"

namespace rtprelay::media {

namespace {

// RFC 7983 §7, first byte of the datagram:
//
//                  +----------------+
//                  |        [0..3] -+--> forward to STUN
//                  |                |
//                  |      [16..19] -+--> forward to ZRTP
//                  |                |
//      packet -->  |      [20..63] -+--> forward to DTLS
//                  |                |
//                  |      [64..79] -+--> forward to TURN Channel
//                  |                |
//                  |    [128..191] -+--> forward to RTP/RTCP
//                  +----------------+
constexpr uint8_t kStunLast = 3;
constexpr uint8_t kDtlsFirst = 20;
constexpr uint8_t kDtlsLast = 63;
constexpr uint8_t kRtpFirst = 128;
constexpr uint8_t kRtpLast = 191;

constexpr uint32_t kStunMagicCookie = 0x2112A442;
constexpr size_t kStunHeaderLength = 20;
constexpr size_t kDtlsRecordHeaderLength = 13;
constexpr size_t kRtpHeaderLength = 12;
// Header plus sender SSRC: the smallest SR/RR and less than any feedback packet.
constexpr size_t kRtcpMinimumLength = 8;

}  // namespace

PacketClass classify(std::span<const uint8_t> packet) noexcept {
    if (packet.empty()) {
        return PacketClass::unknown;
    }
    const uint8_t first = packet[0];
    if (first <= kStunLast) {
        // The cookie tells STUN apart from classic RFC 3489 STUN and from stray bytes, which
        // ICE must not answer.
        if (packet.size() >= kStunHeaderLength && load32(packet.data() + 4) == kStunMagicCookie) {
            return PacketClass::stun;
        }
        return PacketClass::unknown;
    }
    if (first >= kDtlsFirst && first <= kDtlsLast) {
        return packet.size() >= kDtlsRecordHeaderLength ? PacketClass::dtls : PacketClass::unknown;
    }
    if (first >= kRtpFirst && first <= kRtpLast) {
        // The range is exactly the first bytes whose top two bits are 10, i.e. version 2.
        if (packet.size() >= 2 && RtpHeaderView::isRtcpPayloadType(packet[1])) {
            return packet.size() >= kRtcpMinimumLength ? PacketClass::rtcp : PacketClass::unknown;
        }
        return packet.size() >= kRtpHeaderLength ? PacketClass::rtp : PacketClass::unknown;
    }
    return PacketClass::unknown;
}

}  // namespace rtprelay::media
