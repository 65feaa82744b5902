#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <span>

namespace rtprelay::media {

// One received UDP datagram as either relay backend hands it to the packet path.
struct Datagram {
    std::span<const uint8_t> payload;
    const sockaddr* source = nullptr;
    socklen_t sourceLength = 0;
    bool truncated = false;  // larger than the receive buffer
};

}  // namespace rtprelay::media
