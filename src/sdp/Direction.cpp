#include "sdp/Direction.h"

namespace rtprelay::sdp {

std::string_view toString(Direction direction) {
    switch (direction) {
        case Direction::sendrecv:
            return "sendrecv";
        case Direction::sendonly:
            return "sendonly";
        case Direction::recvonly:
            return "recvonly";
        case Direction::inactive:
            return "inactive";
    }
    return "sendrecv";
}

std::optional<Direction> directionFromString(std::string_view name) {
    if (name == "sendrecv") {
        return Direction::sendrecv;
    }
    if (name == "sendonly") {
        return Direction::sendonly;
    }
    if (name == "recvonly") {
        return Direction::recvonly;
    }
    if (name == "inactive") {
        return Direction::inactive;
    }
    return std::nullopt;
}

}  // namespace rtprelay::sdp
