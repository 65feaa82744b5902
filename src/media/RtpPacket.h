#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace rtprelay::media {

// A validated, read-only view of an RTP packet in a caller's buffer (RFC 3550 §5.1). It copies
// nothing and owns nothing: the buffer must outlive the view. Only parse() and parseHeader()
// create one, so every accessor may read the fixed header without another bounds check.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                           timestamp                           |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |           synchronization source (SSRC) identifier            |
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//    |            contributing source (CSRC) identifiers             |
//    |                             ....                              |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |  defined by profile (0xBEDE,  |            length             |  if X
//    |  0x100n or other)             |  (32-bit words, this excluded)|
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                        header extension                       |
//    |                             ....                              |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                            payload                            |
//    |                             ....  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                                   | padding ...   | pad count |  if P
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The pad count includes itself, so it is at least 1 (RFC 3550 §5.1).
class RtpHeaderView {
public:
    static constexpr size_t kFixedHeaderLength = 12;

    // Plain RTP: validates the header, CSRC list, header extension and padding.
    static std::optional<RtpHeaderView> parse(std::span<const uint8_t> packet) noexcept;
    // SRTP: the padding and pad count are encrypted (RFC 3711 §3.1), so the last byte cannot
    // be checked before decryption. Validates the header, CSRC list and extension only;
    // payload() is everything after the header and paddingLength() is 0.
    static std::optional<RtpHeaderView> parseHeader(std::span<const uint8_t> packet) noexcept;

    // RFC 5761 §4: on a muxed port a second byte of 192..223 (marker set, payload type 64..95)
    // is an RTCP packet type, since RTP must not use those payload types there.
    static constexpr bool isRtcpPayloadType(uint8_t secondByte) noexcept {
        return secondByte >= 192 && secondByte <= 223;
    }

    uint8_t version() const noexcept { return packet_[0] >> 6; }
    bool padding() const noexcept { return (packet_[0] & 0x20) != 0; }
    bool extension() const noexcept { return (packet_[0] & 0x10) != 0; }
    uint8_t csrcCount() const noexcept { return packet_[0] & 0x0F; }
    bool marker() const noexcept { return (packet_[1] & 0x80) != 0; }
    uint8_t payloadType() const noexcept { return packet_[1] & 0x7F; }
    uint16_t sequenceNumber() const noexcept;
    uint32_t timestamp() const noexcept;
    uint32_t ssrc() const noexcept;
    // 0 for an index at or past csrcCount().
    uint32_t csrc(size_t index) const noexcept;
    // 0 and an empty span without the X bit; the span excludes the 4-byte profile/length word.
    uint16_t extensionProfile() const noexcept;
    std::span<const uint8_t> extensionData() const noexcept;

    // Fixed header, CSRC list and header extension.
    size_t headerLength() const noexcept { return headerLength_; }
    // Between the header and the padding.
    std::span<const uint8_t> payload() const noexcept {
        return packet_.subspan(headerLength_, payloadLength());
    }
    size_t payloadLength() const noexcept {
        return packet_.size() - headerLength_ - paddingLength_;
    }
    size_t paddingLength() const noexcept { return paddingLength_; }
    std::span<const uint8_t> packet() const noexcept { return packet_; }

private:
    RtpHeaderView(std::span<const uint8_t> packet, size_t headerLength) noexcept
        : packet_(packet), headerLength_(headerLength) {}

    std::span<const uint8_t> packet_;
    size_t headerLength_;
    size_t paddingLength_ = 0;
};

}  // namespace rtprelay::media
