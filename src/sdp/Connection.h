#pragma once

#include <optional>
#include <string>

#include "common/IpAddress.h"

namespace rtprelay::sdp {

// `c=IN IP4 192.0.2.1` (also the address part of a full `a=rtcp:` line). The address is kept as
// text so a round trip reproduces what the peer wrote; the parser has already checked that it
// is a literal of the stated family.
struct Connection {
    std::string netType = "IN";
    std::string addrType = "IP4";
    std::string address;
    // Multicast TTL and/or address count ("/127", "/127/3"), verbatim; empty for unicast.
    std::string suffix;

    static Connection fromIp(const net::IpAddress& ip);
    std::optional<net::IpAddress> ipAddress() const;
    // "IN IP4 192.0.2.1" plus the suffix: the text after "c=".
    std::string toString() const;

    friend bool operator==(const Connection&, const Connection&) = default;
};

}  // namespace rtprelay::sdp
