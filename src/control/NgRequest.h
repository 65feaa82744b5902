#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/IpAddress.h"
#include "control/Bencode.h"

namespace rtprelay::control {

// A request that fails: the reply gets `result: error` and `error-reason: <what()>`.
class NgError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A request refused by a load limit. Clients that sent `supports: ["load limit"]` get
// `result: load limit` + `message`; others get an error with the same text (rtpengine).
class NgLoadLimit : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Splits a datagram into "COOKIE SP PAYLOAD". No space, or a leading space: no cookie.
struct NgFrame {
    std::string_view cookie;
    std::string_view payload;
};
std::optional<NgFrame> splitCookie(std::string_view datagram);

// Typed, alias-aware read access to a decoded ng request dictionary. Numbers may arrive as
// strings and lists as comma-separated strings, as rtpengine accepts them.
class NgRequest {
public:
    NgRequest(const bencode::Value& dict, std::string command, net::Endpoint peer);

    const std::string& command() const { return command_; }
    const net::Endpoint& peer() const { return peer_; }
    const bencode::Value& dict() const { return dict_; }

    // First present key among the aliases, or nullptr.
    const bencode::Value* find(std::initializer_list<std::string_view> aliases) const;
    // Absent → nullopt; present but not a string → NgError naming the key.
    std::optional<std::string> string(std::initializer_list<std::string_view> aliases) const;
    // Integer or decimal string; anything else → NgError.
    std::optional<int64_t> integer(std::initializer_list<std::string_view> aliases) const;
    // List of strings or a comma-separated string; absent → empty.
    std::vector<std::string> list(std::initializer_list<std::string_view> aliases) const;
    // True when `flags` contains `flag` (flags are case-sensitive, as in rtpengine).
    bool hasFlag(std::string_view flag) const;
    // `supports` contains "load limit".
    bool supportsLoadLimit() const;

private:
    const bencode::Value& dict_;
    std::string command_;
    net::Endpoint peer_;
};

}  // namespace rtprelay::control
