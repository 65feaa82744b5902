#include "media/SocketPair.h"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace rtprelay::media {

namespace {

// The bound socket, or -errno.
int bindUdp(const net::IpAddress& address, uint16_t port, int tos) {
    int family = address.isV4() ? AF_INET : AF_INET6;
    int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (family == AF_INET6) {
        int one = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (tos > 0) {
        if (family == AF_INET) {
            setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
        } else {
            setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
        }
    }
    sockaddr_storage ss;
    socklen_t len = net::Endpoint(address, port).toSockaddr(ss);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        int error = errno;
        ::close(fd);
        return -error;
    }
    return fd;
}

bool isFileLimit(int result) {
    return result == -EMFILE || result == -ENFILE;
}

}  // namespace

std::unique_ptr<SocketPair> SocketPair::open(std::shared_ptr<LocalAddress> address, int tos,
                                             Failure* failure) {
    if (failure) {
        *failure = Failure::portsExhausted;
    }
    PortPool& pool = address->ports();
    // Each pair is tried at most once per call of open(): a pool full of ports held by other
    // processes ends in "out of ports" instead of a loop.
    size_t attempts = pool.totalPairs();
    for (size_t i = 0; i < attempts; ++i) {
        auto port = pool.takePair();
        if (!port) {
            return nullptr;
        }
        int rtp = bindUdp(address->local(), *port, tos);
        int rtcp = rtp >= 0 ? bindUdp(address->local(), static_cast<uint16_t>(*port + 1), tos) : -1;
        if (rtp >= 0 && rtcp >= 0) {
            if (auto* observer = address->observer()) {
                observer->portsOpened(address->local(), *port, static_cast<uint16_t>(*port + 1));
            }
            return std::unique_ptr<SocketPair>(
                new SocketPair(std::move(address), *port, rtp, rtcp, tos));
        }
        if (rtp >= 0) {
            ::close(rtp);
        }
        if (isFileLimit(rtp) || isFileLimit(rtcp)) {
            // Every other port would fail the same way: the pool is not the problem.
            pool.releasePair(*port);
            if (failure) {
                *failure = Failure::fileLimit;
            }
            return nullptr;
        }
        pool.deferPair(*port);
    }
    return nullptr;
}

SocketPair::SocketPair(std::shared_ptr<LocalAddress> address, uint16_t port, int rtpFd, int rtcpFd,
                       int tos)
    : address_(std::move(address)), port_(port), rtpFd_(rtpFd), rtcpFd_(rtcpFd), tos_(tos) {}

SocketPair::~SocketPair() {
    ::close(rtpFd_);
    if (rtcpFd_ >= 0) {
        ::close(rtcpFd_);
    }
    if (auto* observer = address_->observer()) {
        observer->portsClosed(address_->local(), port_, rtcpPort());
    }
    address_->ports().releasePair(port_);
}

void SocketPair::closeRtcp() {
    if (rtcpFd_ >= 0) {
        ::close(rtcpFd_);
        rtcpFd_ = -1;
    }
}

int SocketPair::reopenRtcp() {
    if (rtcpFd_ < 0) {
        rtcpFd_ = bindUdp(address_->local(), rtcpPort(), tos_);
    }
    return rtcpFd_ >= 0 ? 0 : rtcpFd_;
}

}  // namespace rtprelay::media
