#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace rtprelay::text {

// ASCII case-insensitive comparison (protocol tokens: codec names, header fields, booleans);
// the locale plays no part.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

// A non-empty run of at most `maxDigits` decimal digits and nothing else; no sign, no blanks.
// Callers that forbid leading zeros or bound the value check that themselves.
std::optional<uint64_t> parseDigits(std::string_view text, size_t maxDigits);

}  // namespace rtprelay::text
