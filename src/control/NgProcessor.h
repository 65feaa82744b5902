#pragma once

#include <string>
#include <string_view>

#include "common/IpAddress.h"
#include "control/Bencode.h"
#include "control/CommandRegistry.h"
#include "control/ControlStatistics.h"
#include "control/CookieCache.h"

namespace rtprelay::control {

// The transport-independent request path: datagram → cookie → retransmission cache →
// decode → dispatch → encode. Every input either yields a reply or is counted as dropped.
class NgProcessor {
public:
    NgProcessor(const CommandRegistry& commands, CookieCache& cache, ControlStatistics& stats,
                bencode::Limits limits = {});

    // "COOKIE SP PAYLOAD" in, "COOKIE SP REPLY" out; empty when nothing can be answered
    // (no cookie, or a duplicate whose original never finished).
    std::string handleDatagram(std::string_view datagram, const net::Endpoint& peer);

    // The reply body (bencoded dictionary) for a payload, bypassing the cookie cache.
    std::string execute(std::string_view payload, const net::Endpoint& peer);

    // An error reply body without running anything (used by transports for framing errors).
    static std::string errorBody(std::string_view reason);

    const bencode::Limits& limits() const { return limits_; }

private:
    const CommandRegistry& commands_;
    CookieCache& cache_;
    ControlStatistics& stats_;
    bencode::Limits limits_;
};

}  // namespace rtprelay::control
