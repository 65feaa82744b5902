#pragma once

#include <cstdint>

namespace rtprelay::kernel {

// Whether the kernel announced a change of links, neighbours or routes (rtnetlink multicast
// groups) since the last call, so that periodic checks of those tables can skip the dumps
// when nothing changed. Bound to the network namespace of the thread that creates it. The
// messages are only counted, never parsed: any of them means "look again". When the socket
// cannot be opened, or the kernel dropped notifications for lack of room (ENOBUFS), it says
// "changed" so that the caller falls back to looking every time. Not thread-safe.
class NetlinkWatch {
public:
    NetlinkWatch();
    ~NetlinkWatch();
    NetlinkWatch(const NetlinkWatch&) = delete;
    NetlinkWatch& operator=(const NetlinkWatch&) = delete;

    // Drains what arrived; true if anything did, if notifications were lost, or without a
    // socket.
    bool changed();
    bool watching() const { return fd_ >= 0; }
    // Notifications read so far (for tests and diagnostics).
    uint64_t notifications() const { return notifications_; }

private:
    int fd_ = -1;
    uint64_t notifications_ = 0;
};

}  // namespace rtprelay::kernel
