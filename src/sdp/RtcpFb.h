#pragma once

#include <string>

namespace rtprelay::sdp {

// `a=rtcp-fb:<pt|*> <feedback>` (RFC 4585), e.g. "96 nack pli".
struct RtcpFb {
    std::string payloadType;  // "*" applies to every format of the m= line
    std::string value;

    friend bool operator==(const RtcpFb&, const RtcpFb&) = default;
};

}  // namespace rtprelay::sdp
