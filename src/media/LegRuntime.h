#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>

#include "common/IpAddress.h"
#include "media/EndpointLearner.h"

namespace rtprelay::media {

// Counters of one direction of one stream. Written by a relay worker, read by signalling
// (query, delete, CDRs, timeouts); relaxed atomics, no locks.
struct StreamCounters {
    std::atomic<uint64_t> packets{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<int64_t> lastPacketUs{0};  // wall clock, µs since the epoch
};

struct SsrcCounters {
    std::atomic<uint32_t> ssrc{0};
    std::atomic<uint64_t> packets{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint32_t> lastTimestamp{0};
    std::atomic<uint32_t> lastSequence{0};
};

// Figures from the last RTCP report block a party sent about the media it receives.
struct RtcpFigures {
    std::atomic<uint64_t> reports{0};
    std::atomic<uint32_t> fractionLost{0};  // of 256
    std::atomic<int32_t> cumulativeLost{0};
    std::atomic<uint32_t> jitter{0};  // timestamp units
    std::atomic<uint32_t> roundTripMs{0};
};

// What the relay knows about one party's side of one media stream. Shared by the call model
// and the worker that relays the call; the learners are touched only by that worker.
struct LegRuntime {
    static constexpr size_t maxSsrcs = 4;
    static constexpr size_t maxPayloadTypes = 8;

    StreamCounters rtpIn;
    StreamCounters rtcpIn;
    StreamCounters rtpOut;
    StreamCounters rtcpOut;
    std::array<SsrcCounters, maxSsrcs> ssrcs;
    std::atomic<uint32_t> ssrcCount{0};
    std::array<std::atomic<int>, maxPayloadTypes> payloadTypes{};  // PT + 1; 0 = empty
    RtcpFigures rtcp;
    // Packets from a source other than the learned one, dropped (RTP Bleed and injection).
    std::atomic<uint64_t> foreignSourceDrops{0};

    // Kernel fast path, per socket of the leg (0: RTP, 1: RTCP): the statistics slot of the
    // installed entry (-1: none), and what earlier entries counted before they were removed.
    std::array<std::atomic<int64_t>, 2> kernelSlot{-1, -1};
    struct KernelTotals {
        std::atomic<uint64_t> packets{0};
        std::atomic<uint64_t> bytes{0};
        std::atomic<uint64_t> errors{0};
        std::atomic<int64_t> lastPacketUs{0};
    };
    std::array<KernelTotals, 2> kernelDone;

    EndpointLearner rtpLearner;
    EndpointLearner rtcpLearner;

    // The learned endpoints as last published by the worker, for query and CDRs.
    struct Learned {
        std::optional<net::Endpoint> rtp;
        std::optional<net::Endpoint> rtcp;
        bool rtpConfirmed = false;
        bool rtcpConfirmed = false;
    };
    Learned learned() const {
        std::lock_guard lock(learnedMutex_);
        return learned_;
    }
    void publish(bool rtcp, const EndpointLearner& learner) {
        std::lock_guard lock(learnedMutex_);
        (rtcp ? learned_.rtcp : learned_.rtp) = learner.endpoint();
        (rtcp ? learned_.rtcpConfirmed : learned_.rtpConfirmed) = learner.confirmed();
    }

private:
    mutable std::mutex learnedMutex_;  // per leg; taken only when an endpoint changes
    Learned learned_;
};

}  // namespace rtprelay::media
