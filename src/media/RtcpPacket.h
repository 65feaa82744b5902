#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace rtprelay::media {

// One reception report block of an SR or RR (RFC 3550 §6.4.1).
struct RtcpReportBlock {
    uint32_t ssrc = 0;
    uint8_t fractionLost = 0;
    // 24-bit signed on the wire: duplicates can make it negative.
    int32_t cumulativeLost = 0;
    uint32_t extendedHighestSeq = 0;
    uint32_t jitter = 0;
    // Middle 32 bits of the NTP timestamp of the last SR received, 0 if none yet.
    uint32_t lastSr = 0;
    // In 1/65536 s.
    uint32_t delaySinceLastSr = 0;
};

// What the relay needs from a (compound) RTCP packet: enough for per-SSRC statistics, MOS and
// round trip time, without walking the packet again.
struct RtcpSummary {
    bool valid = false;
    // SSRC of the first packet's sender: the SR/RR author, or the feedback sender of a
    // reduced-size packet.
    uint32_t senderSsrc = 0;
    // Sender info comes from the first SR by senderSsrc. SRs of other sources that a mixer or
    // translator stacked into the same compound do not describe this sender.
    bool hasSenderReport = false;
    uint64_t ntpTimestamp = 0;
    uint32_t rtpTimestamp = 0;
    uint32_t senderPackets = 0;
    uint32_t senderOctets = 0;
    // Report blocks of SR/RR packets by senderSsrc (an SR with more than 31 blocks continues in
    // RRs, RFC 3550 §6.4.2); the first four are kept, the rest validated and dropped.
    std::array<RtcpReportBlock, 4> blocks{};
    // Stored, at most 4.
    uint8_t blockCount = 0;
    // Sub-packets in the compound, saturating at 255.
    uint8_t packetCount = 0;
};

// Walks a compound RTCP packet (RFC 3550 §6.1, §6.4) or a reduced-size one (RFC 5506, starting
// with an RTPFB/PSFB feedback packet). SR and RR are parsed; SDES, BYE, APP, RTPFB, PSFB and XR
// are checked for their fixed part and skipped. Any malformed sub-packet, length not adding up
// to the buffer exactly, or unknown packet type gives a summary with valid == false and all
// other fields zero. Works on plain RTCP: SRTCP must be decrypted and its trailer removed first.
// Does not allocate, throw or log.
RtcpSummary parseRtcp(std::span<const uint8_t> packet) noexcept;

// Round trip time in milliseconds from a report block's LSR and DLSR and the middle 32 bits of
// the NTP time the report arrived (RFC 3550 §6.4.1, A.8: all in 1/65536 s), rounded to the
// nearest millisecond. 0 when the peer has not seen an SR yet (lsr == 0) or when the figures
// would give a negative time (the arrival more than 32768 s past LSR counts as before it).
uint32_t rtcpRoundTripMs(uint32_t lsr, uint32_t dlsr, uint32_t nowNtpMiddle32) noexcept;

}  // namespace rtprelay::media
