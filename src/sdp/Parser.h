#pragma once

#include <string_view>

#include "sdp/Limits.h"
#include "sdp/ParseResult.h"

namespace rtprelay::sdp {

// Parses an SDP body (RFC 8866) into the editable model. Lines may end in CRLF or LF, the last
// one may lack its end, trailing blanks and blank lines are ignored. Structural lines (v, o, c,
// m, b, r) must be well formed; an attribute whose typed form does not parse is kept verbatim
// in the pass-through list instead, because peers send odd attributes far more often than
// broken structure. Never throws, never reads outside `text`.
ParseResult parse(std::string_view text, const Limits& limits = {});

}  // namespace rtprelay::sdp
