#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace rtprelay::sdp {

// An RTP payload type with a fixed meaning (RFC 3551 tables 4 and 5), which peers may use
// without an a=rtpmap line.
struct StaticPayloadType {
    uint8_t payloadType;
    std::string_view encoding;
    uint32_t clockRate;
    uint8_t channels;
};

std::span<const StaticPayloadType> staticPayloadTypes();
const StaticPayloadType* findStaticPayloadType(uint8_t payloadType);
// Reverse lookup for codec filters that name codecs ("PCMA"); case-insensitive on the
// encoding as RFC 4855 media subtype names are.
const StaticPayloadType* findStaticPayloadType(std::string_view encoding, uint32_t clockRate,
                                               uint8_t channels = 1);

// A payload type as written in an RTP m= line: decimal 0..127 without leading zeros. Being
// strict keeps one spelling per payload type, so formats and a=rtpmap keys compare as text.
std::optional<uint8_t> parsePayloadType(std::string_view text);

}  // namespace rtprelay::sdp
