#pragma once

#include <string>

namespace rtprelay::sdp {

// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>`. All fields stay text:
// ids routinely exceed 64 bits and the origin address may be a host name.
struct Origin {
    std::string username = "-";
    std::string sessionId;
    std::string sessionVersion;
    std::string netType = "IN";
    std::string addrType = "IP4";
    std::string address;

    // Adds one to sessionVersion in decimal, at any length ("999" -> "1000"), because a
    // re-offer must carry a higher version. Returns false (leaving it unchanged) if the
    // version is not all digits.
    bool incrementVersion();

    friend bool operator==(const Origin&, const Origin&) = default;
};

}  // namespace rtprelay::sdp
