#pragma once

#include <string>

namespace rtprelay::sdp {

// A line of a type the model has no field for (k=, or any future letter). Kept verbatim so
// the rewritten SDP loses nothing the peer sent.
struct ExtraLine {
    char type = 0;
    std::string value;

    friend bool operator==(const ExtraLine&, const ExtraLine&) = default;
};

}  // namespace rtprelay::sdp
