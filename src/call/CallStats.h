#pragma once

#include "call/Call.h"
#include "control/Bencode.h"

namespace rtprelay::call {

// Adds rtpengine's call statistics (reference §2.6) to a query or delete reply: `created`,
// `created_us`, `last signal`, `tags` with per-media and per-stream state and counters, and
// `totals`. With `only`, `tags` holds that party and its peer.
void addCallStats(const Call& call, control::bencode::Dict& reply, const Party* only);

}  // namespace rtprelay::call
