#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtprelay::net {

enum class Family : uint8_t { ipv4, ipv6 };

// An IPv4 or IPv6 address held by value (16 bytes, IPv4 in the first 4).
class IpAddress {
public:
    IpAddress() = default;

    // Accepts dotted IPv4 and RFC 4291 IPv6 text, with or without [brackets].
    static std::optional<IpAddress> parse(std::string_view text);
    static IpAddress fromV4(in_addr addr);
    static IpAddress fromV6(const in6_addr& addr);
    static IpAddress anyOf(Family family);
    static IpAddress loopback(Family family);

    Family family() const { return family_; }
    bool isV4() const { return family_ == Family::ipv4; }
    bool isV6() const { return family_ == Family::ipv6; }
    bool isAny() const;
    bool isLoopback() const;
    bool isLinkLocal() const;
    in_addr v4() const;
    in6_addr v6() const;
    const std::array<uint8_t, 16>& bytes() const { return bytes_; }

    // Canonical text without brackets ("127.0.0.1", "::1").
    std::string toString() const;
    // "IP4" / "IP6" as used in SDP c= lines and ng `address family`.
    std::string_view sdpFamily() const { return isV4() ? "IP4" : "IP6"; }

    friend bool operator==(const IpAddress&, const IpAddress&) = default;

private:
    Family family_ = Family::ipv4;
    std::array<uint8_t, 16> bytes_{};
};

// Address plus UDP/TCP port.
class Endpoint {
public:
    Endpoint() = default;
    Endpoint(IpAddress address, uint16_t port) : address_(address), port_(port) {}

    // "host:port", "[v6]:port" with literal addresses only.
    static std::optional<Endpoint> parse(std::string_view text);
    static std::optional<Endpoint> fromSockaddr(const sockaddr* sa, socklen_t len);

    const IpAddress& address() const { return address_; }
    uint16_t port() const { return port_; }
    void setPort(uint16_t port) { port_ = port; }

    // Fills `out`, returns the length to pass to bind/sendto.
    socklen_t toSockaddr(sockaddr_storage& out) const;
    // "127.0.0.1:2223", "[::1]:2223".
    std::string toString() const;

    friend bool operator==(const Endpoint&, const Endpoint&) = default;

private:
    IpAddress address_;
    uint16_t port_ = 0;
};

}  // namespace rtprelay::net
