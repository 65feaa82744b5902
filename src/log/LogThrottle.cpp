#include "log/LogThrottle.h"

namespace rtprelay::log {

bool LogThrottle::admit(uint64_t& heldBack) {
    int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count();
    int64_t next = nextLine_.load(std::memory_order_relaxed);
    if (now < next ||
        !nextLine_.compare_exchange_strong(next, now + std::chrono::nanoseconds(interval_).count(),
                                           std::memory_order_relaxed)) {
        heldBack_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    heldBack = heldBack_.exchange(0, std::memory_order_relaxed);
    return true;
}

}  // namespace rtprelay::log
