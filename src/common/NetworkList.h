#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Network.h"

namespace rtprelay::net {

// A bounded set of address ranges, such as the sources allowed to use a control listener.
class NetworkList {
public:
    static constexpr size_t maxNetworks = 256;

    // Ranges separated by commas and/or blanks ("127.0.0.1/8, 10.0.0.0/8 ::1"); at least one.
    // On failure, `why` (when given) names the offending entry and the reason.
    static std::optional<NetworkList> parse(std::string_view text, std::string* why = nullptr);

    // False (and nothing added) once maxNetworks are held; a duplicate is not added twice.
    bool add(const Network& network);
    // Adds every range of `other`; false when that would exceed maxNetworks (nothing added).
    bool merge(const NetworkList& other);

    bool contains(const IpAddress& address) const;
    bool empty() const { return networks_.empty(); }
    const std::vector<Network>& networks() const { return networks_; }
    // "127.0.0.0/8, ::1/128".
    std::string toString() const;

    friend bool operator==(const NetworkList&, const NetworkList&) = default;

private:
    std::vector<Network> networks_;
};

}  // namespace rtprelay::net
