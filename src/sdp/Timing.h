#pragma once

#include <string>
#include <vector>

namespace rtprelay::sdp {

// A `t=` line with the `r=` lines that follow it. Nobody schedules SIP media, so the text is
// kept verbatim rather than interpreted.
struct Timing {
    std::string value;                 // "0 0"
    std::vector<std::string> repeats;  // r= values

    friend bool operator==(const Timing&, const Timing&) = default;
};

}  // namespace rtprelay::sdp
