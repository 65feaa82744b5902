#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/IpAddress.h"

namespace rtprelay::net {

// An address range in CIDR notation ("10.0.0.0/8", "2001:db8::/32", "::1/128"). A range
// written in IPv4-mapped form ("::ffff:10.0.0.0/104") is held as the IPv4 range it denotes.
class Network {
public:
    static constexpr size_t maxTextLength = 64;

    // "ADDRESS" (one host) or "ADDRESS/BITS", BITS decimal without sign or leading zeros.
    // Host bits past the prefix are cleared ("127.0.0.1/8" is 127.0.0.0/8). On failure,
    // `why` (when given) gets a phrase such as "prefix length 33 is out of range 0..32".
    static std::optional<Network> parse(std::string_view text, std::string* why = nullptr);

    Network(const IpAddress& address, unsigned prefixLength);

    // IPv4-mapped IPv6 addresses (what a dual-stack socket reports for an IPv4 client) are
    // matched as the IPv4 address they carry; otherwise the families must be the same.
    bool contains(const IpAddress& address) const;

    const IpAddress& base() const { return base_; }
    unsigned prefixLength() const { return prefixLength_; }
    // "10.0.0.0/8", "::1/128".
    std::string toString() const;

    friend bool operator==(const Network&, const Network&) = default;

private:
    IpAddress base_;
    unsigned prefixLength_ = 0;
};

// The IPv4 address carried by an IPv4-mapped IPv6 address (::ffff:a.b.c.d); any other
// address unchanged.
IpAddress unmapped(const IpAddress& address);

}  // namespace rtprelay::net
