#include "config/InterfaceSpec.h"

#include <string>

#include "config/AddressResolver.h"

namespace rtprelay::config {

namespace {

using Addresses = std::vector<net::IpAddress>;

Parsed<Addresses> localAddresses(std::string_view text) {
    if (auto literal = net::IpAddress::parse(text)) {
        // Binding the wildcard would make every local address "the" interface address,
        // and SDP would advertise 0.0.0.0; rtpengine rejects it too.
        if (literal->isAny()) {
            return Parsed<Addresses>::failure("'" + std::string(text) +
                                              "' is the wildcard address; use 'any'");
        }
        return Addresses{*literal};
    }
    if (text == "any") {
        Addresses all = AddressResolver::allAddresses();
        if (all.empty()) {
            return Parsed<Addresses>::failure(
                "'any' found no address that is neither loopback nor link-local");
        }
        return all;
    }
    if (auto device = AddressResolver::deviceAddresses(text)) {
        if (device->empty()) {
            return Parsed<Addresses>::failure("device '" + std::string(text) +
                                              "' has no address that is not link-local");
        }
        return *device;
    }
    Addresses resolved = AddressResolver::resolve(text);
    if (resolved.empty()) {
        return Parsed<Addresses>::failure("'" + std::string(text) +
                                          "' is not an address, device or resolvable name");
    }
    return Addresses{resolved.front()};
}

Parsed<net::IpAddress> advertisedAddress(std::string_view text) {
    if (auto literal = net::IpAddress::parse(text)) {
        if (literal->isAny()) {
            return Parsed<net::IpAddress>::failure("advertised address '" + std::string(text) +
                                                   "' is the wildcard address");
        }
        return *literal;
    }
    Addresses resolved = AddressResolver::resolve(text);
    if (resolved.empty()) {
        return Parsed<net::IpAddress>::failure("advertised address '" + std::string(text) +
                                               "' is not an address or resolvable name");
    }
    return resolved.front();
}

}  // namespace

Parsed<std::vector<InterfaceAddress>> InterfaceSpec::parse(std::string_view spec) {
    using Result = Parsed<std::vector<InterfaceAddress>>;
    std::string name = "default";
    size_t separator = spec.find_first_of("/=");
    if (separator != std::string_view::npos) {
        if (spec[separator] == '=') {
            // rtpengine's ALIAS=NAME; dropping it silently would break calls that use it.
            return Result::failure("interface aliases (ALIAS=NAME) are not supported yet");
        }
        name = spec.substr(0, separator);
        if (name.empty()) {
            return Result::failure("empty interface name before '/'");
        }
        spec.remove_prefix(separator + 1);
    }
    std::string_view addressText = spec;
    std::string_view advertisedText;
    size_t bang = spec.find('!');
    if (bang != std::string_view::npos) {
        addressText = spec.substr(0, bang);
        advertisedText = spec.substr(bang + 1);
        if (advertisedText.empty()) {
            return Result::failure("empty advertised address after '!'");
        }
    }
    if (addressText.empty()) {
        return Result::failure("missing address");
    }
    auto locals = localAddresses(addressText);
    if (!locals) {
        return Result::failure(locals.error());
    }
    std::optional<net::IpAddress> advertised;
    if (!advertisedText.empty()) {
        auto parsed = advertisedAddress(advertisedText);
        if (!parsed) {
            return Result::failure(parsed.error());
        }
        advertised = *parsed;
    }
    std::vector<InterfaceAddress> result;
    for (const net::IpAddress& local : *locals) {
        result.push_back(InterfaceAddress{name, local, advertised.value_or(local)});
    }
    return result;
}

}  // namespace rtprelay::config
