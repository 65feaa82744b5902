#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "control/Bencode.h"
#include "ops/OpsContext.h"
#include "ops/StatisticsSnapshot.h"

namespace rtprelay::ops {

// Gathers the daemon's statistics for the operator interfaces and for ng `statistics`, so
// that every output shows the same numbers. Thread-safe.
class StatisticsCollector {
public:
    explicit StatisticsCollector(const OpsContext& context);

    StatisticsSnapshot collect();
    // Takes a sample for the per-second rates; the daemon's timer calls it once a second.
    void sample();
    TrafficRates rates() const;
    // The ng `statistics` value: rtpengine's `currentstatistics`, `totalstatistics`,
    // `interfaces`, `controlstatistics`, plus our `kernel` section.
    control::bencode::Value ngStatistics();

private:
    struct Sample {
        std::chrono::steady_clock::time_point at;
        call::SignallingEngine::MediaTotals totals;
    };

    int64_t uptimeSeconds() const;

    OpsContext context_;
    int table_;
    mutable std::mutex mutex_;
    std::optional<Sample> last_;
    TrafficRates rates_;
};

}  // namespace rtprelay::ops
