#pragma once

#include <atomic>

#include "config/Config.h"

namespace rtprelay::config {

// The options that can change while the daemon runs (SIGHUP reload, later the CLI's
// `set ...`). Read lock-free by the subsystems that use them.
struct RuntimeSettings {
    std::atomic<int> timeout{60};
    std::atomic<int> silentTimeout{3600};
    std::atomic<int> finalTimeout{0};
    std::atomic<int> offerTimeout{3600};
    std::atomic<int> deleteDelay{30};
    std::atomic<int> maxSessions{-1};

    void apply(const Config& c) {
        timeout.store(c.timeout);
        silentTimeout.store(c.silentTimeout);
        finalTimeout.store(c.finalTimeout);
        offerTimeout.store(c.offerTimeout);
        deleteDelay.store(c.deleteDelay);
        maxSessions.store(c.maxSessions);
    }
};

}  // namespace rtprelay::config
