#pragma once

#include <cstdint>
#include <optional>

#include "sdp/Connection.h"

namespace rtprelay::sdp {

// `a=rtcp:<port> [IN IP4 <address>]` (RFC 3605).
struct RtcpAttribute {
    uint16_t port = 0;
    // Present for the full form; its suffix is always empty.
    std::optional<Connection> connection;

    friend bool operator==(const RtcpAttribute&, const RtcpAttribute&) = default;
};

}  // namespace rtprelay::sdp
