#pragma once

#include <string>
#include <string_view>

namespace rtprelay::sdp {

// One `a=` line. `a=foo` and `a=foo:` differ on the wire, so hasValue keeps them apart.
struct Attribute {
    std::string name;
    std::string value;
    bool hasValue = false;

    friend bool operator==(const Attribute&, const Attribute&) = default;
};

// Everything that belongs to an ICE agent; the engine strips these when it terminates ICE.
inline bool isIceAttributeName(std::string_view name) {
    return name.starts_with("ice-") || name == "candidate" || name == "remote-candidates" ||
           name == "end-of-candidates";
}

}  // namespace rtprelay::sdp
