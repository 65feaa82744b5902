#pragma once

#include <cstdint>

#include "call/Party.h"
#include "media/KernelOffload.h"

namespace rtprelay::call {

// What arrived from a party on one socket of a media leg, userspace and kernel together.
struct LegTraffic {
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint64_t errors = 0;
    int64_t lastUserUs = 0;
    int64_t lastKernelUs = 0;
    bool kernelized = false;

    int64_t lastPacketUs() const { return lastUserUs > lastKernelUs ? lastUserUs : lastKernelUs; }
};

// `kernel` may be null (no kernel path).
LegTraffic ingressTraffic(const MediaLeg& leg, bool rtcp, const media::KernelOffload* kernel);

}  // namespace rtprelay::call
