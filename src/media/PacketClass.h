#pragma once

#include <cstdint>
#include <span>

namespace rtprelay::media {

// What arrived on a media port. One port may carry RTP, RTCP (rtcp-mux), STUN (ICE) and DTLS
// (DTLS-SRTP key exchange) at once, so every datagram is classified before anything parses it.
enum class PacketClass { rtp, rtcp, stun, dtls, unknown };

// Demultiplexes by the first bytes only (RFC 7983 §7, RFC 5761 §4); it neither allocates nor
// reads past the span. A class other than `unknown` guarantees that the fixed header of that
// protocol is present (RTP 12, RTCP 8, STUN 20, DTLS record 13 bytes), not that the packet is
// well formed: that is the job of the class's parser. ZRTP (16..19) and TURN channel data
// (64..79) are `unknown` because the relay speaks neither.
PacketClass classify(std::span<const uint8_t> packet) noexcept;

}  // namespace rtprelay::media
