#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace rtprelay::sdp {

enum class Direction : uint8_t { sendrecv, sendonly, recvonly, inactive };

std::string_view toString(Direction direction);
// Exact, case-sensitive match on the attribute name, as RFC 8866 attribute names are.
std::optional<Direction> directionFromString(std::string_view name);

}  // namespace rtprelay::sdp
