#pragma once

#include <string>

namespace rtprelay::sdp {

// `a=fmtp:<format> <parameters>`. Parameters are codec-specific, so they stay opaque text.
struct Fmtp {
    std::string payloadType;
    std::string parameters;

    friend bool operator==(const Fmtp&, const Fmtp&) = default;
};

}  // namespace rtprelay::sdp
