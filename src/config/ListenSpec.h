#pragma once

#include <string_view>
#include <vector>

#include "common/IpAddress.h"
#include "config/Parsed.h"

namespace rtprelay::config {

// Listener values (`listen-ng` and friends) and HOST:PORT targets (`homer`), after
// rtpengine's lib/socket.c endpoint_parse_any_getaddrinfo_alt.
class ListenSpec {
public:
    // `PORT` → 0.0.0.0:PORT and [::]:PORT; `HOST:PORT` → every address HOST resolves to;
    // `[V6]:PORT`. Ports 1..65535.
    static Parsed<std::vector<net::Endpoint>> parse(std::string_view spec);

    // `HOST:PORT` or `[V6]:PORT` naming one destination (the first resolved address).
    static Parsed<net::Endpoint> parseDestination(std::string_view spec);
};

}  // namespace rtprelay::config
