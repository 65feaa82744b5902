#pragma once

#include <string>

#include "ops/StatisticsSnapshot.h"

namespace rtprelay::ops {

// The `GET /metrics` page: rtpengine's metric names (prefix `rtpengine_`) where rtpengine has
// the figure, ours (prefix `rtprelay_`) for the kernel path and endpoint learning.
std::string prometheusMetrics(const StatisticsSnapshot& s);

}  // namespace rtprelay::ops
