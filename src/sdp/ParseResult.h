#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <variant>

#include "sdp/SessionDescription.h"

namespace rtprelay::sdp {

struct ParseError {
    size_t line = 0;  // 1-based; 0 when the problem concerns the body as a whole
    std::string
        message;  // complete text, e.g. "line 3: invalid m= line: port '70000' out of range"

    friend bool operator==(const ParseError&, const ParseError&) = default;
};

// The model or the reason there is none. Accessing the wrong side is a programming error and
// throws std::bad_variant_access.
class ParseResult {
public:
    ParseResult(SessionDescription sdp) : result_(std::move(sdp)) {}
    ParseResult(ParseError error) : result_(std::move(error)) {}

    bool ok() const { return result_.index() == 0; }
    explicit operator bool() const { return ok(); }

    const SessionDescription& value() const& { return std::get<SessionDescription>(result_); }
    SessionDescription& value() & { return std::get<SessionDescription>(result_); }
    SessionDescription&& value() && { return std::get<SessionDescription>(std::move(result_)); }
    const ParseError& error() const { return std::get<ParseError>(result_); }

private:
    std::variant<SessionDescription, ParseError> result_;
};

}  // namespace rtprelay::sdp
