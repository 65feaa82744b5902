#include "protocol/MediaPeer.h"

#include <netinet/ip.h>
#include <poll.h>
#include <unistd.h>

#include <stdexcept>

namespace rtprelay::test {

MediaPeer::MediaPeer(const std::string& address, uint16_t port) {
    address_ = *net::IpAddress::parse(address);
    fd_ = ::socket(address_.isV4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (address_.isV4()) {
        ::setsockopt(fd_, IPPROTO_IP, IP_RECVTOS, &one, sizeof one);
    } else {
        ::setsockopt(fd_, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof one);
    }
    int size = 1 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    sockaddr_storage ss;
    socklen_t len = net::Endpoint(address_, port).toSockaddr(ss);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        throw std::runtime_error("MediaPeer: bind failed");
    }
    len = sizeof ss;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    port_ = net::Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len)->port();
}

MediaPeer::~MediaPeer() {
    ::close(fd_);
}

void MediaPeer::send(const net::Endpoint& to, const std::vector<uint8_t>& packet) {
    sockaddr_storage ss;
    socklen_t len = to.toSockaddr(ss);
    ::sendto(fd_, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&ss), len);
}

std::vector<MediaPeer::Received> MediaPeer::drain(std::chrono::milliseconds quiet) {
    std::vector<Received> out;
    for (;;) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(quiet.count())) <= 0) {
            return out;
        }
        Received r;
        r.data.resize(65536);
        sockaddr_storage from;
        iovec iov{r.data.data(), r.data.size()};
        alignas(cmsghdr) char control[128];
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        ssize_t n = ::recvmsg(fd_, &msg, 0);
        if (n < 0) {
            return out;
        }
        r.data.resize(static_cast<size_t>(n));
        r.from = *net::Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&from), msg.msg_namelen);
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS)) {
                r.tos = *reinterpret_cast<uint8_t*>(CMSG_DATA(c));
            } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
                r.tos = *reinterpret_cast<int*>(CMSG_DATA(c));
            }
        }
        out.push_back(std::move(r));
    }
}

std::vector<uint8_t> rtpPacket(uint16_t seq, uint32_t ssrc, uint8_t marker, uint8_t pt,
                               size_t payload) {
    std::vector<uint8_t> p(12 + payload, 0xd5);
    p[0] = 0x80;
    p[1] = pt & 0x7f;
    p[2] = static_cast<uint8_t>(seq >> 8);
    p[3] = static_cast<uint8_t>(seq);
    uint32_t ts = seq * 160u;
    p[4] = static_cast<uint8_t>(ts >> 24);
    p[5] = static_cast<uint8_t>(ts >> 16);
    p[6] = static_cast<uint8_t>(ts >> 8);
    p[7] = static_cast<uint8_t>(ts);
    p[8] = static_cast<uint8_t>(ssrc >> 24);
    p[9] = static_cast<uint8_t>(ssrc >> 16);
    p[10] = static_cast<uint8_t>(ssrc >> 8);
    p[11] = static_cast<uint8_t>(ssrc);
    if (payload > 0) {
        p[12] = marker;
    }
    return p;
}

std::vector<uint8_t> rtcpReceiverReport(uint32_t ssrc, uint32_t about, uint8_t fractionLost,
                                        uint32_t cumulativeLost, uint32_t jitter) {
    std::vector<uint8_t> p(32, 0);
    p[0] = 0x81;  // V=2, one report block
    p[1] = 201;   // RR
    p[3] = 7;     // length in words minus one
    auto put32 = [&](size_t at, uint32_t v) {
        p[at] = static_cast<uint8_t>(v >> 24);
        p[at + 1] = static_cast<uint8_t>(v >> 16);
        p[at + 2] = static_cast<uint8_t>(v >> 8);
        p[at + 3] = static_cast<uint8_t>(v);
    };
    put32(4, ssrc);
    put32(8, about);
    put32(12, (static_cast<uint32_t>(fractionLost) << 24) | (cumulativeLost & 0xffffff));
    put32(16, 1000);
    put32(20, jitter);
    return p;
}

}  // namespace rtprelay::test
