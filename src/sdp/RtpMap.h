#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rtprelay::sdp {

// `a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]`.
struct RtpMap {
    std::string payloadType;
    std::string encoding;
    uint32_t clockRate = 0;
    // The RFC calls it "encoding parameters"; for audio it is the channel count. Absent
    // means one channel and is written without the suffix.
    std::optional<uint32_t> channels;

    friend bool operator==(const RtpMap&, const RtpMap&) = default;
};

}  // namespace rtprelay::sdp
