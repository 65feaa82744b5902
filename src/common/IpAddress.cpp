#include "common/IpAddress.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace rtprelay::net {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
        text = text.substr(1, text.size() - 2);
    }
    if (text.empty() || text.size() > INET6_ADDRSTRLEN) {
        return std::nullopt;
    }
    char buf[INET6_ADDRSTRLEN + 1];
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    in_addr a4{};
    if (inet_pton(AF_INET, buf, &a4) == 1) {
        return fromV4(a4);
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, buf, &a6) == 1) {
        return fromV6(a6);
    }
    return std::nullopt;
}

IpAddress IpAddress::fromV4(in_addr addr) {
    IpAddress ip;
    ip.family_ = Family::ipv4;
    std::memcpy(ip.bytes_.data(), &addr, 4);
    return ip;
}

IpAddress IpAddress::fromV6(const in6_addr& addr) {
    IpAddress ip;
    ip.family_ = Family::ipv6;
    std::memcpy(ip.bytes_.data(), &addr, 16);
    return ip;
}

IpAddress IpAddress::anyOf(Family family) {
    IpAddress ip;
    ip.family_ = family;
    return ip;
}

IpAddress IpAddress::loopback(Family family) {
    IpAddress ip;
    ip.family_ = family;
    if (family == Family::ipv4) {
        ip.bytes_[0] = 127;
        ip.bytes_[3] = 1;
    } else {
        ip.bytes_[15] = 1;
    }
    return ip;
}

bool IpAddress::isAny() const {
    size_t n = isV4() ? 4 : 16;
    for (size_t i = 0; i < n; ++i) {
        if (bytes_[i] != 0) {
            return false;
        }
    }
    return true;
}

bool IpAddress::isLoopback() const {
    if (isV4()) {
        return bytes_[0] == 127;
    }
    return *this == loopback(Family::ipv6);
}

bool IpAddress::isLinkLocal() const {
    if (isV4()) {
        return bytes_[0] == 169 && bytes_[1] == 254;
    }
    return bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

in_addr IpAddress::v4() const {
    in_addr a{};
    std::memcpy(&a, bytes_.data(), 4);
    return a;
}

in6_addr IpAddress::v6() const {
    in6_addr a{};
    std::memcpy(&a, bytes_.data(), 16);
    return a;
}

std::string IpAddress::toString() const {
    char buf[INET6_ADDRSTRLEN];
    const char* r = isV4() ? inet_ntop(AF_INET, bytes_.data(), buf, sizeof buf)
                           : inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
    return r ? std::string(r) : std::string();
}

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon + 1 >= text.size()) {
        return std::nullopt;
    }
    std::string_view host = text.substr(0, colon);
    std::string_view portText = text.substr(colon + 1);
    // An unbracketed IPv6 literal is ambiguous ("::1:2223"): require brackets.
    if (host.find(':') != std::string_view::npos &&
        !(host.size() >= 2 && host.front() == '[' && host.back() == ']')) {
        return std::nullopt;
    }
    unsigned port = 0;
    auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (ec != std::errc() || end != portText.data() + portText.size() || port > 65535) {
        return std::nullopt;
    }
    auto address = IpAddress::parse(host);
    if (!address) {
        return std::nullopt;
    }
    return Endpoint(*address, static_cast<uint16_t>(port));
}

std::optional<Endpoint> Endpoint::fromSockaddr(const sockaddr* sa, socklen_t len) {
    if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        const auto* s4 = reinterpret_cast<const sockaddr_in*>(sa);
        return Endpoint(IpAddress::fromV4(s4->sin_addr), ntohs(s4->sin_port));
    }
    if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        const auto* s6 = reinterpret_cast<const sockaddr_in6*>(sa);
        return Endpoint(IpAddress::fromV6(s6->sin6_addr), ntohs(s6->sin6_port));
    }
    return std::nullopt;
}

socklen_t Endpoint::toSockaddr(sockaddr_storage& out) const {
    std::memset(&out, 0, sizeof out);
    if (address_.isV4()) {
        auto* s4 = reinterpret_cast<sockaddr_in*>(&out);
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port_);
        s4->sin_addr = address_.v4();
        return sizeof(sockaddr_in);
    }
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&out);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port_);
    s6->sin6_addr = address_.v6();
    return sizeof(sockaddr_in6);
}

std::string Endpoint::toString() const {
    if (address_.isV6()) {
        return "[" + address_.toString() + "]:" + std::to_string(port_);
    }
    return address_.toString() + ":" + std::to_string(port_);
}

}  // namespace rtprelay::net
