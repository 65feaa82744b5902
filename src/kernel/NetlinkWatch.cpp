#include "kernel/NetlinkWatch.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace rtprelay::kernel {

namespace {

// Enough for a burst of a few thousand notifications between two checks; beyond that the
// kernel reports ENOBUFS, which counts as a change as well.
constexpr int kReceiveBufferBytes = 1 << 20;
constexpr int kMaxReadsPerCall = 100000;

}  // namespace

NetlinkWatch::NetlinkWatch() {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
    if (fd < 0) {
        return;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kReceiveBufferBytes, sizeof(kReceiveBufferBytes));
    sockaddr_nl address{};
    address.nl_family = AF_NETLINK;
    address.nl_groups = RTMGRP_LINK | RTMGRP_NEIGH | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
    if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        close(fd);
        return;
    }
    fd_ = fd;
}

NetlinkWatch::~NetlinkWatch() {
    if (fd_ >= 0) {
        close(fd_);
    }
}

bool NetlinkWatch::changed() {
    if (fd_ < 0) {
        return true;
    }
    bool any = false;
    // The contents do not matter; a small buffer reads one datagram per call (the rest of a
    // longer one is discarded, MSG_TRUNC). Bounded: a flood is a change, and the rest waits.
    char buffer[256];
    for (int reads = 0; reads < kMaxReadsPerCall; ++reads) {
        ssize_t n = recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT | MSG_TRUNC);
        if (n >= 0) {
            ++notifications_;
            any = true;
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == ENOBUFS) {
            any = true;  // notifications were dropped: something changed
            continue;
        }
        return any;  // EAGAIN: drained
    }
    return true;
}

}  // namespace rtprelay::kernel
