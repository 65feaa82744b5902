#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace rtprelay::log {

// Lets one log line through per interval and counts the events it held back, so that a flood
// of bad input costs a few lines, not one per packet. Lock-free; any thread may call it.
class LogThrottle {
public:
    explicit LogThrottle(std::chrono::milliseconds interval) : interval_(interval) {}

    // True when the caller should log now; `heldBack` then gets the number of events that were
    // not logged since the last line.
    bool admit(uint64_t& heldBack);

private:
    std::chrono::milliseconds interval_;
    std::atomic<int64_t> nextLine_{0};  // steady_clock nanoseconds
    std::atomic<uint64_t> heldBack_{0};
};

}  // namespace rtprelay::log
