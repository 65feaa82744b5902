#include "config/AddressResolver.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace rtprelay::config {

namespace {

std::optional<net::IpAddress> fromSockaddr(const sockaddr* sa) {
    if (sa == nullptr) {
        return std::nullopt;
    }
    if (sa->sa_family == AF_INET) {
        return net::IpAddress::fromV4(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr);
    }
    if (sa->sa_family == AF_INET6) {
        return net::IpAddress::fromV6(reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr);
    }
    return std::nullopt;
}

void appendUnique(std::vector<net::IpAddress>& list, const net::IpAddress& address) {
    if (std::find(list.begin(), list.end(), address) == list.end()) {
        list.push_back(address);
    }
}

// Calls `visit(name, address)` for every interface address of the machine.
template <typename Visit>
void forEachInterfaceAddress(Visit visit) {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) {
        return;
    }
    for (ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
        if (auto address = fromSockaddr(ifa->ifa_addr)) {
            visit(std::string_view(ifa->ifa_name), *address);
        }
    }
    freeifaddrs(list);
}

}  // namespace

bool AddressResolver::isHostName(std::string_view host) {
    if (host.empty() || host.size() > 253) {
        return false;
    }
    if (host.back() == '.') {
        host.remove_suffix(1);  // fully qualified form
    }
    std::string_view lastLabel;
    while (true) {
        size_t dot = host.find('.');
        std::string_view label = host.substr(0, dot);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            return false;
        }
        for (char c : label) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
                return false;
            }
        }
        lastLabel = label;
        if (dot == std::string_view::npos) {
            break;
        }
        host.remove_prefix(dot + 1);
    }
    return !std::all_of(lastLabel.begin(), lastLabel.end(),
                        [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

std::vector<net::IpAddress> AddressResolver::resolve(std::string_view host) {
    std::vector<net::IpAddress> addresses;
    if (!isHostName(host)) {
        return addresses;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    // One socket type, or every address comes back once per type.
    hints.ai_socktype = SOCK_DGRAM;
    // No AI_ADDRCONFIG: "localhost" must yield ::1 even on a host without global IPv6.
    hints.ai_flags = 0;
    addrinfo* result = nullptr;
    std::string name(host);
    if (getaddrinfo(name.c_str(), nullptr, &hints, &result) != 0) {
        return addresses;
    }
    for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
        if (auto address = fromSockaddr(ai->ai_addr)) {
            appendUnique(addresses, *address);
        }
    }
    freeaddrinfo(result);
    return addresses;
}

std::optional<std::vector<net::IpAddress>> AddressResolver::deviceAddresses(
    std::string_view device) {
    std::string name(device);
    // if_nametoindex also finds devices that have no address at all.
    if (name.empty() || name.size() >= IF_NAMESIZE || if_nametoindex(name.c_str()) == 0) {
        return std::nullopt;
    }
    std::vector<net::IpAddress> addresses;
    forEachInterfaceAddress([&](std::string_view ifName, const net::IpAddress& address) {
        if (ifName == device && !address.isLinkLocal()) {
            appendUnique(addresses, address);
        }
    });
    return addresses;
}

std::vector<net::IpAddress> AddressResolver::allAddresses() {
    std::vector<net::IpAddress> addresses;
    forEachInterfaceAddress([&](std::string_view, const net::IpAddress& address) {
        if (!address.isLoopback() && !address.isLinkLocal()) {
            appendUnique(addresses, address);
        }
    });
    return addresses;
}

}  // namespace rtprelay::config
