#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rtprelay::control {

// The kinds of control listener, each with its own source rule and counters.
enum class ControlListener : uint8_t { ngUdp, ngTcp, cli, http };

inline constexpr size_t controlListenerCount = 4;

// Prometheus label and statistics key part: "ng_udp", "ng_tcp", "cli", "http".
constexpr std::string_view listenerLabel(ControlListener l) {
    constexpr std::string_view labels[] = {"ng_udp", "ng_tcp", "cli", "http"};
    return labels[static_cast<size_t>(l)];
}

// The option that binds the listener: "listen-ng", "listen-tcp-ng", "listen-cli", "listen-http".
constexpr std::string_view listenerOption(ControlListener l) {
    constexpr std::string_view options[] = {"listen-ng", "listen-tcp-ng", "listen-cli",
                                            "listen-http"};
    return options[static_cast<size_t>(l)];
}

}  // namespace rtprelay::control
