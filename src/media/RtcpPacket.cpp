#include "media/RtcpPacket.h"

#include <cstddef>

#include "media/ByteOrder.h"

namespace rtprelay::media {

namespace {

// Common header of every RTCP packet (RFC 3550 §6.4.1, RFC 4585 §6.1):
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P|  count  |      PT       |             length            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// count is RC (SR, RR), SC (SDES, BYE) or FMT/subtype (feedback, APP). length is the packet
// size in 32-bit words minus one, padding included. Padding is only allowed on the last packet
// of a compound (RFC 3550 §6.4.1), its last byte counting the padding bytes.
constexpr uint8_t kVersion = 2;
constexpr size_t kCommonHeaderLength = 4;

constexpr uint8_t kSenderReport = 200;
constexpr uint8_t kReceiverReport = 201;
constexpr uint8_t kSourceDescription = 202;
constexpr uint8_t kGoodbye = 203;
constexpr uint8_t kApplication = 204;
constexpr uint8_t kTransportFeedback = 205;
constexpr uint8_t kPayloadFeedback = 206;
constexpr uint8_t kExtendedReport = 207;

// Sender report (RFC 3550 §6.4.1); a receiver report (201) is the same without sender info:
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |V=2|P|    RC   |   PT=SR=200   |             length            |  0
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                         SSRC of sender                        |  4
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//    |              NTP timestamp, most significant word             |  8
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |             NTP timestamp, least significant word             | 12
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                         RTP timestamp                         | 16
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                     sender's packet count                     | 20
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                      sender's octet count                     | 24
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//    |                 SSRC_1 (SSRC of first source)                 | +0
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    | fraction lost |       cumulative number of packets lost       | +4
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |           extended highest sequence number received           | +8
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                      interarrival jitter                      | +12
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                         last SR (LSR)                         | +16
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                   delay since last SR (DLSR)                  | +20
//    +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//    |                  profile-specific extensions                  |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
constexpr size_t kSenderSsrcEnd = 8;
constexpr size_t kSenderInfoEnd = 28;
constexpr size_t kReportBlockLength = 24;

// Fixed parts of the skipped types. An SDES chunk is at least an SSRC and a word holding the
// terminating null item (RFC 3550 §6.5); a BYE lists SC SSRCs (§6.6); APP has SSRC and name
// (§6.7); feedback has sender and media SSRC (RFC 4585 §6.1); XR has the sender SSRC
// (RFC 3611 §2).
constexpr size_t kSdesChunkMinimumLength = 8;
constexpr size_t kByeSsrcLength = 4;
constexpr size_t kApplicationMinimumLength = 12;
constexpr size_t kFeedbackMinimumLength = 12;
constexpr size_t kExtendedReportMinimumLength = 8;

constexpr uint32_t kMaxSinceSr = 0x7fffffff;

constexpr uint32_t kCumulativeLostSignBit = 0x800000;
constexpr int32_t kCumulativeLostRange = 0x1000000;

RtcpReportBlock readReportBlock(const uint8_t* p) noexcept {
    RtcpReportBlock block;
    block.ssrc = load32(p);
    block.fractionLost = p[4];
    const uint32_t lost = load24(p + 5);
    block.cumulativeLost = (lost & kCumulativeLostSignBit) != 0
                               ? static_cast<int32_t>(lost) - kCumulativeLostRange
                               : static_cast<int32_t>(lost);
    block.extendedHighestSeq = load32(p + 8);
    block.jitter = load32(p + 12);
    block.lastSr = load32(p + 16);
    block.delaySinceLastSr = load32(p + 20);
    return block;
}

// p points at an SR or RR whose content (padding excluded) is `length` bytes. False when the
// report blocks do not fit.
bool readReport(const uint8_t* p, size_t length, RtcpSummary& summary) noexcept {
    const bool senderReport = p[1] == kSenderReport;
    const size_t blocksStart = senderReport ? kSenderInfoEnd : kSenderSsrcEnd;
    const size_t reportCount = p[0] & 0x1F;
    if (length < blocksStart + kReportBlockLength * reportCount) {
        return false;
    }
    // Reports by other sources (a mixer's compound) would be misattributed to senderSsrc.
    if (load32(p + 4) != summary.senderSsrc) {
        return true;
    }
    if (senderReport && !summary.hasSenderReport) {
        summary.hasSenderReport = true;
        summary.ntpTimestamp = load64(p + 8);
        summary.rtpTimestamp = load32(p + 16);
        summary.senderPackets = load32(p + 20);
        summary.senderOctets = load32(p + 24);
    }
    for (size_t i = 0; i < reportCount && summary.blockCount < summary.blocks.size(); ++i) {
        summary.blocks[summary.blockCount++] =
            readReportBlock(p + blocksStart + kReportBlockLength * i);
    }
    return true;
}

// Checks the fixed part of a sub-packet the relay does not interpret.
bool skippedPacketFits(const uint8_t* p, size_t length) noexcept {
    const size_t count = p[0] & 0x1F;
    switch (p[1]) {
        case kSourceDescription:
            return length >= kCommonHeaderLength + kSdesChunkMinimumLength * count;
        case kGoodbye:
            return length >= kCommonHeaderLength + kByeSsrcLength * count;
        case kApplication:
            return length >= kApplicationMinimumLength;
        case kTransportFeedback:
        case kPayloadFeedback:
            return length >= kFeedbackMinimumLength;
        case kExtendedReport:
            return length >= kExtendedReportMinimumLength;
        default:
            return false;
    }
}

}  // namespace

RtcpSummary parseRtcp(std::span<const uint8_t> packet) noexcept {
    RtcpSummary summary;
    size_t offset = 0;
    while (offset < packet.size()) {
        const size_t remaining = packet.size() - offset;
        const uint8_t* p = packet.data() + offset;
        if (remaining < kCommonHeaderLength || (p[0] >> 6) != kVersion) {
            return RtcpSummary{};
        }
        const size_t packetLength = 4 * (size_t{load16(p + 2)} + 1);
        if (packetLength > remaining) {
            return RtcpSummary{};
        }
        size_t contentLength = packetLength;
        if ((p[0] & 0x20) != 0) {
            const uint8_t padCount = p[packetLength - 1];
            if (packetLength != remaining || padCount == 0 ||
                padCount > packetLength - kCommonHeaderLength) {
                return RtcpSummary{};
            }
            contentLength -= padCount;
        }

        const uint8_t type = p[1];
        if (offset == 0) {
            // RFC 3550 §6.1 has every compound start with SR or RR; RFC 5506 §3.1 lifts that
            // for reduced-size RTCP, which the relay only expects to carry feedback.
            if (type != kSenderReport && type != kReceiverReport && type != kTransportFeedback &&
                type != kPayloadFeedback) {
                return RtcpSummary{};
            }
            if (contentLength < kSenderSsrcEnd) {
                return RtcpSummary{};
            }
            summary.senderSsrc = load32(p + 4);
        }
        if (type == kSenderReport || type == kReceiverReport) {
            if (!readReport(p, contentLength, summary)) {
                return RtcpSummary{};
            }
        } else if (!skippedPacketFits(p, contentLength)) {
            return RtcpSummary{};
        }

        if (summary.packetCount < UINT8_MAX) {
            ++summary.packetCount;
        }
        offset += packetLength;
    }
    if (summary.packetCount == 0) {
        return RtcpSummary{};
    }
    summary.valid = true;
    return summary;
}

uint32_t rtcpRoundTripMs(uint32_t lsr, uint32_t dlsr, uint32_t nowNtpMiddle32) noexcept {
    if (lsr == 0) {
        return 0;
    }
    // Serial number arithmetic (RFC 1982) follows the NTP middle word across its wrap every
    // 65536 s: a difference in the upper half means "now" lies before the SR the peer echoes,
    // from a corrupt report or a clock stepped back, not a round trip of over nine hours.
    const uint32_t sinceSr = nowNtpMiddle32 - lsr;
    if (sinceSr > kMaxSinceSr || dlsr > sinceSr) {
        return 0;
    }
    const uint64_t rtt = sinceSr - dlsr;
    return static_cast<uint32_t>((rtt * 1000 + 0x8000) >> 16);
}

}  // namespace rtprelay::media
