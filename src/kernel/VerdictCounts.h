#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "kernel/bpf/forwarding.h"

namespace rtprelay::kernel {

// How many UDP packets the program forwarded, and why it left the others to the stack,
// summed over the CPUs (enum rtprelay_verdict). For operators and tests.
struct VerdictCounts {
    std::array<uint64_t, RTPRELAY_VERDICT_COUNT> counts{};

    uint64_t operator[](rtprelay_verdict verdict) const { return counts[verdict]; }
    // "forwarded", "miss", ... stable names for logs and statistics keys.
    static std::string_view name(rtprelay_verdict verdict);
};

}  // namespace rtprelay::kernel
