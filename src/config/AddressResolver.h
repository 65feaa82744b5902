#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "common/IpAddress.h"

namespace rtprelay::config {

// Host name and network device lookups for interface/listen values, done once at load.
class AddressResolver {
public:
    // All addresses `host` resolves to (both families, resolver order, no duplicates).
    // Empty when it does not resolve or is not syntactically a host name, so that typos
    // like "300.1.1.1" never reach DNS.
    static std::vector<net::IpAddress> resolve(std::string_view host);

    // The non-link-local addresses of network device `device`; nullopt if there is no
    // such device, an empty list if it exists without a usable address.
    static std::optional<std::vector<net::IpAddress>> deviceAddresses(std::string_view device);

    // Every address of the machine that is neither loopback nor link-local.
    static std::vector<net::IpAddress> allAddresses();

    // RFC 1123 host name: dot-separated labels of letters, digits, '-' and '_' (seen in
    // the wild), and a last label that is not all digits (that would be a broken IPv4).
    static bool isHostName(std::string_view host);
};

}  // namespace rtprelay::config
