#include "call/LegTraffic.h"

namespace rtprelay::call {

LegTraffic ingressTraffic(const MediaLeg& leg, bool rtcp, const media::KernelOffload* kernel) {
    const auto& rt = *leg.runtime;
    const auto& user = rtcp ? rt.rtcpIn : rt.rtpIn;
    LegTraffic t;
    t.packets = user.packets.load(std::memory_order_relaxed);
    t.bytes = user.bytes.load(std::memory_order_relaxed);
    t.errors = user.errors.load(std::memory_order_relaxed);
    t.lastUserUs = user.lastPacketUs.load(std::memory_order_relaxed);
    size_t index = rtcp ? 1 : 0;
    const auto& done = rt.kernelDone[index];
    t.packets += done.packets.load(std::memory_order_relaxed);
    t.bytes += done.bytes.load(std::memory_order_relaxed);
    t.errors += done.errors.load(std::memory_order_relaxed);
    t.lastKernelUs = done.lastPacketUs.load(std::memory_order_relaxed);
    int64_t slot = rt.kernelSlot[index].load(std::memory_order_acquire);
    if (slot >= 0 && kernel) {
        t.kernelized = true;
        if (auto c = kernel->counters(static_cast<uint32_t>(slot))) {
            t.packets += c->packets;
            t.bytes += c->bytes;
            t.errors += c->errors;
            if (c->lastPacketUs > t.lastKernelUs) {
                t.lastKernelUs = c->lastPacketUs;
            }
        }
    }
    return t;
}

}  // namespace rtprelay::call
