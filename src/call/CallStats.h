#pragma once

#include <string>

#include "call/Call.h"
#include "call/CallRegistry.h"
#include "control/Bencode.h"
#include "media/KernelOffload.h"

namespace rtprelay::call {

// Adds rtpengine's call statistics (reference §2.6) to a query or delete reply: `created`,
// `created_us`, `last signal`, `SSRC`, `tags` with per-media and per-stream state and
// counters, and `totals`. With `only`, `tags` holds that party and its peer.
// `kernel` (may be null) adds what the kernel fast path forwarded.
void addCallStats(const Call& call, control::bencode::Dict& reply, const Party* only,
                  const media::KernelOffload* kernel);

// rtpengine's CDR line (reference §6.5) for a call ending now for `reason`.
std::string cdrLine(const Call& call, Teardown reason, const media::KernelOffload* kernel);

// Logs the per-party, per-stream "Final packet stats" block at info level.
void logFinalStats(const Call& call, const media::KernelOffload* kernel);

}  // namespace rtprelay::call
