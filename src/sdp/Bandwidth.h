#pragma once

#include <string>

namespace rtprelay::sdp {

// `b=<type>:<value>`, e.g. AS:64 or TIAS:64000. The value stays text so unusual modifiers
// survive a round trip untouched.
struct Bandwidth {
    std::string type;
    std::string value;

    friend bool operator==(const Bandwidth&, const Bandwidth&) = default;
};

}  // namespace rtprelay::sdp
