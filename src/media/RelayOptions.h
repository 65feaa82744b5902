#pragma once

namespace rtprelay::media {

enum class RelayBackend { epoll, ioUring };

// The receive buffers a worker's ring gets for `requested`: a power of two (a buffer ring's
// size) between 16 and 32768 (the kernel's limit).
inline unsigned ioUringBufferCount(unsigned requested) {
    unsigned count = 16;
    while (count < requested && count < 32768) {
        count <<= 1;
    }
    return count;
}

struct RelayOptions {
    // io_uring when the kernel allows it (multishot recvmsg, provided buffers); else epoll.
    bool ioUring = true;
    unsigned ioUringBuffers = 1024;  // receive buffers per worker, rounded up to a power of 2
};

}  // namespace rtprelay::media
