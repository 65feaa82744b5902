#pragma once

#include "call/CallFlags.h"
#include "control/NgRequest.h"

namespace rtprelay::call {

// Reads the keys of an ng signalling request (reference §2.5), its `flags` list (prefix forms
// included) and its `rtpp-flags` string (§2.7) into CallFlags, the way rtpengine's
// call_flags.c does: case-sensitive, dash and space spellings alike, numbers as integers or
// decimal strings, lists as lists or comma-separated strings. Anything not understood is
// recorded in CallFlags::unknown (rtpengine only warns about it). Throws control::NgError
// naming the key when a key the struct needs has an unusable value type.
CallFlags parseCallFlags(const control::NgRequest& request);

}  // namespace rtprelay::call
