#include "config/ListenSpec.h"

#include <string>

#include "config/AddressResolver.h"
#include "config/ValueSyntax.h"

namespace rtprelay::config {

namespace {

using Endpoints = std::vector<net::Endpoint>;

bool allDigits(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

Parsed<uint16_t> parsePort(std::string_view text) {
    auto number = syntax::parseInteger(text);
    if (!number || !allDigits(text)) {
        return Parsed<uint16_t>::failure("'" + std::string(text) + "' is not a port number");
    }
    if (*number < 1 || *number > 65535) {
        return Parsed<uint16_t>::failure("port must be between 1 and 65535");
    }
    return static_cast<uint16_t>(*number);
}

// HOST[:PORT] split with IPv6 brackets honoured; `host` keeps its brackets.
Parsed<Endpoints> hostAndPort(std::string_view spec) {
    size_t colon = spec.rfind(':');
    if (colon == std::string_view::npos || spec.back() == ']') {
        return Parsed<Endpoints>::failure("expected HOST:PORT");
    }
    std::string_view host = spec.substr(0, colon);
    auto port = parsePort(spec.substr(colon + 1));
    if (!port) {
        return Parsed<Endpoints>::failure(port.error());
    }
    if (host.empty()) {
        return Parsed<Endpoints>::failure("missing host before ':'");
    }
    bool bracketed = host.front() == '[';
    if (!bracketed && host.find(':') != std::string_view::npos) {
        return Parsed<Endpoints>::failure(
            "IPv6 addresses must be written in brackets, e.g. [::1]:" + std::to_string(*port));
    }
    if (auto literal = net::IpAddress::parse(host)) {
        return Endpoints{net::Endpoint(*literal, *port)};
    }
    if (bracketed) {
        return Parsed<Endpoints>::failure("'" + std::string(host) + "' is not an IPv6 address");
    }
    Endpoints endpoints;
    for (const net::IpAddress& address : AddressResolver::resolve(host)) {
        endpoints.emplace_back(address, *port);
    }
    if (endpoints.empty()) {
        return Parsed<Endpoints>::failure("'" + std::string(host) +
                                          "' is not an address or resolvable name");
    }
    return endpoints;
}

}  // namespace

Parsed<std::vector<net::Endpoint>> ListenSpec::parse(std::string_view spec) {
    if (spec.find(':') == std::string_view::npos) {
        auto port = parsePort(spec);
        if (!port) {
            return Parsed<Endpoints>::failure(port.error());
        }
        return Endpoints{net::Endpoint(net::IpAddress::anyOf(net::Family::ipv4), *port),
                         net::Endpoint(net::IpAddress::anyOf(net::Family::ipv6), *port)};
    }
    return hostAndPort(spec);
}

Parsed<net::Endpoint> ListenSpec::parseDestination(std::string_view spec) {
    auto endpoints = hostAndPort(spec);
    if (!endpoints) {
        return Parsed<net::Endpoint>::failure(endpoints.error());
    }
    return endpoints->front();
}

}  // namespace rtprelay::config
