#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "common/IpAddress.h"

namespace rtprelay::media {

enum class LearningMode { delayed, immediate, off, heuristic };

// Decides which source address a party's media comes from, and so where media for it goes
// (symmetric RTP). Learning is confined to the first packets after signalling: once the
// endpoint is confirmed, packets from any other source are dropped unless media handover
// allows the move. That closes RTP Bleed (CVE-2025-53399), where rtpengine up to mr13.3.1.4
// let a stranger who sent packets to a media port take the call's media.
class EndpointLearner {
public:
    // Learning decides within this many packets after signalling (rtpengine's fix: < 5).
    static constexpr uint32_t learningPackets = 5;
    // `delayed` and an inexact `heuristic` candidate wait this long for a better source.
    static constexpr std::chrono::seconds learningDelay{3};

    enum class Verdict { forward, drop };

    struct Settings {
        LearningMode mode = LearningMode::heuristic;
        std::optional<net::Endpoint> expected;  // the address in the party's SDP
        bool strictSource = false;
        bool mediaHandover = false;
    };

    // Called at every signalling exchange: learning starts over.
    void reset(const Settings& settings, std::chrono::steady_clock::time_point now);
    Verdict onPacket(const net::Endpoint& source, std::chrono::steady_clock::time_point now);

    bool confirmed() const { return confirmed_; }
    // The confirmed endpoint, else the best candidate so far.
    const std::optional<net::Endpoint>& endpoint() const { return endpoint_; }
    // Increments when the endpoint or its confirmation changes (to publish it to readers
    // outside the worker).
    uint32_t generation() const { return generation_; }

private:
    int rank(const net::Endpoint& source) const;
    void confirm(const net::Endpoint& source);

    Settings settings_;
    std::chrono::steady_clock::time_point signalled_{};
    uint32_t packets_ = 0;
    bool confirmed_ = false;
    std::optional<net::Endpoint> endpoint_;
    int candidateRank_ = -1;
    uint32_t generation_ = 0;
};

}  // namespace rtprelay::media
