#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "control/Bencode.h"
#include "control/ControlListener.h"

namespace rtprelay::control {

// Counters of the control plane: per ng command and per client ("proxy"), plus inputs that
// were dropped before a command could be read. Shown by ng `statistics` (rtpengine's
// `controlstatistics` shape) and later by the CLI and /metrics.
class ControlStatistics {
public:
    enum class Drop { noCookie, oversized, tcpFraming, tcpOverflow };

    void recordRequest(const std::string& proxy, const std::string& command,
                       std::chrono::nanoseconds duration, bool error);
    void recordDrop(Drop why);
    uint64_t drops(Drop why) const;
    // A request or connection refused because of its source address (AccessControl).
    void recordDenied(ControlListener listener);
    uint64_t denied(ControlListener listener) const;
    // An HTTP request to a protected path without the right `http-secret`.
    void recordUnauthorized();
    uint64_t unauthorized() const;
    uint64_t totalRequests() const;
    uint64_t totalErrors() const;

    // {"proxies": [{"proxy": ..., "pingcount": ..., "pingduration": ..., ...}],
    //  "totalpingcount": ..., ..., "errorcount": ..., "droppedcount": ...,
    //  "deniedngudp": ..., "deniedngtcp": ..., "deniedcli": ..., "deniedhttp": ...,
    //  "unauthorizedhttp": ...}
    bencode::Value snapshot() const;

private:
    struct Counter {
        uint64_t count = 0;
        std::chrono::nanoseconds duration{0};
    };
    struct Proxy {
        std::map<std::string, Counter> commands;
        uint64_t errors = 0;
    };

    mutable std::mutex mutex_;
    std::map<std::string, Proxy> proxies_;
    std::map<std::string, Counter> totals_;
    uint64_t totalRequests_ = 0;
    uint64_t totalErrors_ = 0;
    std::atomic<uint64_t> drops_[4] = {};
    std::atomic<uint64_t> denied_[controlListenerCount] = {};
    std::atomic<uint64_t> unauthorized_{0};
};

}  // namespace rtprelay::control
