#include "control/ControlServer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "log/Log.h"

namespace rtprelay::control {

using log::Subsystem;

namespace {

// Largest ng request: rtpengine's MAX_UDP_LENGTH plus room for the cookie.
constexpr size_t maxCookieLength = 256;
constexpr size_t maxMessageLength = 65535 + maxCookieLength;

std::string errnoText(int err) {
    return std::strerror(err);
}

}  // namespace

struct ControlServer::Source {
    enum class Kind { udp, tcpListener, wake } kind;
    int fd = -1;
    net::Endpoint local;
};

struct ControlServer::Connection {
    // EPOLLONESHOT already gives a connection to one thread at a time; the lock makes that
    // hand-over visible to ThreadSanitizer, which cannot see the ordering epoll provides.
    std::mutex mutex;
    int fd = -1;
    net::Endpoint peer;
    std::string buffer;
};

ControlServer::ControlServer(NgProcessor& processor, ControlStatistics& stats,
                             AccessControl& access, unsigned threads)
    : processor_(processor),
      stats_(stats),
      access_(access),
      threadCount_(threads == 0 ? 1 : threads) {
    epollFd_ = epoll_create1(EPOLL_CLOEXEC);
    wakeFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epollFd_ < 0 || wakeFd_ < 0) {
        throw std::runtime_error("cannot create control event loop: " + errnoText(errno));
    }
    auto wake = std::make_unique<Source>();
    wake->kind = Source::Kind::wake;
    wake->fd = wakeFd_;
    addToEpoll(wakeFd_, EPOLLIN, wake.get());
    sources_.push_back(std::move(wake));
}

ControlServer::~ControlServer() {
    stop();
    for (auto& s : sources_) {
        if (s->fd >= 0) {
            ::close(s->fd);
        }
    }
    for (auto& [fd, c] : connections_) {
        ::close(fd);
    }
    if (epollFd_ >= 0) {
        ::close(epollFd_);
    }
}

void ControlServer::addToEpoll(int fd, uint32_t events, void* tag) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = tag;
    if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        throw std::runtime_error("epoll_ctl: " + errnoText(errno));
    }
}

static int openSocket(const net::Endpoint& endpoint, int type, const char* option) {
    int family = endpoint.address().isV4() ? AF_INET : AF_INET6;
    int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw std::runtime_error(
            fmt::format("cannot bind {} {}: {}", option, endpoint.toString(), errnoText(errno)));
    }
    int one = 1;
    if (family == AF_INET6) {
        // "PORT" alone binds 0.0.0.0 and :: separately, so :: must not claim IPv4 too.
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (type == SOCK_STREAM) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    } else if (family == AF_INET) {
        setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    } else {
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    }
    sockaddr_storage ss;
    socklen_t len = endpoint.toSockaddr(ss);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        int err = errno;
        ::close(fd);
        throw std::runtime_error(
            fmt::format("cannot bind {} {}: {}", option, endpoint.toString(), errnoText(err)));
    }
    return fd;
}

static net::Endpoint boundAddress(int fd, const net::Endpoint& fallback) {
    sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
        if (auto e = net::Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len)) {
            return *e;
        }
    }
    return fallback;
}

void ControlServer::bindUdp(const net::Endpoint& endpoint) {
    int fd = openSocket(endpoint, SOCK_DGRAM, "listen-ng");
    int size = 4 * 1024 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    auto source = std::make_unique<Source>();
    source->kind = Source::Kind::udp;
    source->fd = fd;
    source->local = boundAddress(fd, endpoint);
    addToEpoll(fd, EPOLLIN, source.get());
    log::info(Subsystem::control, "Listening for ng commands on UDP {}", source->local.toString());
    sources_.push_back(std::move(source));
}

void ControlServer::bindTcp(const net::Endpoint& endpoint) {
    int fd = openSocket(endpoint, SOCK_STREAM, "listen-tcp-ng");
    if (::listen(fd, 128) != 0) {
        int err = errno;
        ::close(fd);
        throw std::runtime_error(fmt::format("cannot listen on listen-tcp-ng {}: {}",
                                             endpoint.toString(), errnoText(err)));
    }
    auto source = std::make_unique<Source>();
    source->kind = Source::Kind::tcpListener;
    source->fd = fd;
    source->local = boundAddress(fd, endpoint);
    addToEpoll(fd, EPOLLIN, source.get());
    log::info(Subsystem::control, "Listening for ng commands on TCP {}", source->local.toString());
    sources_.push_back(std::move(source));
}

std::vector<net::Endpoint> ControlServer::udpAddresses() const {
    std::vector<net::Endpoint> out;
    for (const auto& s : sources_) {
        if (s->kind == Source::Kind::udp) {
            out.push_back(s->local);
        }
    }
    return out;
}

std::vector<net::Endpoint> ControlServer::tcpAddresses() const {
    std::vector<net::Endpoint> out;
    for (const auto& s : sources_) {
        if (s->kind == Source::Kind::tcpListener) {
            out.push_back(s->local);
        }
    }
    return out;
}

void ControlServer::start() {
    for (unsigned i = 0; i < threadCount_; ++i) {
        threads_.emplace_back([this] { run(); });
    }
}

void ControlServer::stop() {
    if (threads_.empty()) {
        return;
    }
    stopping_.store(true);
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wakeFd_, &one, sizeof one);
    for (auto& t : threads_) {
        t.join();
    }
    threads_.clear();
}

void ControlServer::run() {
    epoll_event events[16];
    while (!stopping_.load()) {
        int n = epoll_wait(epollFd_, events, 16, -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            log::error(Subsystem::control, "epoll_wait failed: {}", errnoText(errno));
            return;
        }
        for (int i = 0; i < n && !stopping_.load(); ++i) {
            auto* tag = events[i].data.ptr;
            bool isSource = false;
            for (const auto& s : sources_) {
                if (s.get() == tag) {
                    isSource = true;
                    break;
                }
            }
            if (isSource) {
                auto* source = static_cast<Source*>(tag);
                if (source->kind == Source::Kind::udp) {
                    serveUdp(*source);
                } else if (source->kind == Source::Kind::tcpListener) {
                    acceptTcp(*source);
                }
                continue;
            }
            auto* connection = static_cast<Connection*>(tag);
            bool keep;
            {
                std::lock_guard lock(connection->mutex);
                keep = serveTcp(*connection);
                if (keep) {
                    // Re-armed under the lock: the next thread to serve (and perhaps free)
                    // the connection waits until this one has let go of it.
                    epoll_event ev{};
                    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
                    ev.data.ptr = connection;
                    epoll_ctl(epollFd_, EPOLL_CTL_MOD, connection->fd, &ev);
                }
            }
            if (!keep) {
                closeConnection(*connection);
            }
        }
    }
}

void ControlServer::serveUdp(Source& source) {
    // One datagram per wake-up: another thread picks up the next one while this one runs.
    static thread_local std::string buffer(maxMessageLength + 1, '\0');
    sockaddr_storage peerAddr;
    iovec iov{buffer.data(), buffer.size()};
    alignas(cmsghdr) char control[256];
    msghdr msg{};
    msg.msg_name = &peerAddr;
    msg.msg_namelen = sizeof peerAddr;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(source.fd, &msg, MSG_TRUNC);
    if (n < 0) {
        return;  // EAGAIN: another thread took it
    }
    auto peer =
        net::Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&peerAddr), msg.msg_namelen);
    if (!peer || !access_.admit(ControlListener::ngUdp, *peer)) {
        return;
    }
    if (static_cast<size_t>(n) > maxMessageLength || (msg.msg_flags & MSG_TRUNC)) {
        stats_.recordDrop(ControlStatistics::Drop::oversized);
        // The cookie is at the front and survived the truncation: answer it.
        std::string_view head(buffer.data(), std::min<size_t>(n, buffer.size()));
        std::string reply;
        if (auto frame = splitCookie(head); frame && frame->cookie.size() <= maxCookieLength) {
            reply = std::string(frame->cookie) + " " + NgProcessor::errorBody("Message too large");
        }
        log::warning(Subsystem::control, "Oversized ng datagram ({} bytes) from {}", n,
                     peer->toString());
        if (reply.empty()) {
            return;
        }
        ::sendto(source.fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peerAddr),
                 msg.msg_namelen);
        return;
    }

    std::string reply = processor_.handleDatagram(std::string_view(buffer.data(), n), *peer);
    if (reply.empty()) {
        return;
    }

    // Reply from the address the request arrived on (matters for wildcard listeners).
    alignas(cmsghdr) char replyControl[64] = {};
    msghdr out{};
    iovec outIov{reply.data(), reply.size()};
    out.msg_name = &peerAddr;
    out.msg_namelen = msg.msg_namelen;
    out.msg_iov = &outIov;
    out.msg_iovlen = 1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            in_pktinfo info;
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            out.msg_control = replyControl;
            out.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
            cmsghdr* oc = CMSG_FIRSTHDR(&out);
            oc->cmsg_level = IPPROTO_IP;
            oc->cmsg_type = IP_PKTINFO;
            oc->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
            in_pktinfo src{};
            src.ipi_spec_dst = info.ipi_addr;
            std::memcpy(CMSG_DATA(oc), &src, sizeof src);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            in6_pktinfo info;
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            out.msg_control = replyControl;
            out.msg_controllen = CMSG_SPACE(sizeof(in6_pktinfo));
            cmsghdr* oc = CMSG_FIRSTHDR(&out);
            oc->cmsg_level = IPPROTO_IPV6;
            oc->cmsg_type = IPV6_PKTINFO;
            oc->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
            in6_pktinfo src{};
            src.ipi6_addr = info.ipi6_addr;
            std::memcpy(CMSG_DATA(oc), &src, sizeof src);
        }
    }
    if (::sendmsg(source.fd, &out, 0) < 0) {
        log::warning(Subsystem::control, "Cannot send ng reply to {}: {}", peer->toString(),
                     errnoText(errno));
    }
}

void ControlServer::acceptTcp(Source& source) {
    sockaddr_storage peerAddr;
    socklen_t len = sizeof peerAddr;
    int fd = spare_.accept(source.fd, reinterpret_cast<sockaddr*>(&peerAddr), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        return;  // EAGAIN (another thread took it), the file limit, or the client gave up
    }
    auto peer = net::Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&peerAddr), len);
    if (peer && !access_.admit(ControlListener::ngTcp, *peer)) {
        ::close(fd);
        return;
    }
    std::lock_guard lock(connectionsMutex_);
    if (!peer || connections_.size() >= maxTcpConnections) {
        log::warning(Subsystem::control, "Refusing ng TCP connection: {} connections open",
                     connections_.size());
        ::close(fd);
        return;
    }
    auto connection = std::make_unique<Connection>();
    connection->fd = fd;
    connection->peer = *peer;
    Connection* raw = connection.get();
    connections_.emplace(fd, std::move(connection));
    addToEpoll(fd, EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, raw);
    log::debug(Subsystem::control, "ng TCP connection from {}", peer->toString());
}

bool ControlServer::sendAll(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, 2000) <= 0) {
                return false;  // a client that does not read its replies is dropped
            }
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return false;
    }
    return true;
}

bool ControlServer::serveTcp(Connection& c) {
    char chunk[16384];
    bool peerClosed = false;
    for (;;) {
        ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
        if (n > 0) {
            c.buffer.append(chunk, static_cast<size_t>(n));
            if (c.buffer.size() > 2 * maxMessageLength) {
                break;  // enough to process; the rest stays in the socket
            }
            continue;
        }
        if (n == 0) {
            peerClosed = true;
        } else if (errno == EINTR) {
            continue;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            return false;
        }
        break;
    }

    // Messages are "COOKIE SP BENCODED-VALUE" back to back; the bencode value delimits itself.
    size_t offset = 0;
    while (offset < c.buffer.size()) {
        std::string_view rest(c.buffer.data() + offset, c.buffer.size() - offset);
        size_t skip = rest.find_first_not_of(" \r\n\t");
        if (skip == std::string_view::npos) {
            offset = c.buffer.size();
            break;
        }
        rest.remove_prefix(skip);
        offset += skip;
        size_t space = rest.find(' ');
        if (space == std::string_view::npos) {
            if (rest.size() > maxCookieLength) {
                stats_.recordDrop(ControlStatistics::Drop::tcpFraming);
                log::warning(Subsystem::control, "ng TCP stream from {} has no cookie, closing",
                             c.peer.toString());
                return false;
            }
            break;  // cookie still arriving
        }
        if (space == 0 || space > maxCookieLength) {
            stats_.recordDrop(ControlStatistics::Drop::tcpFraming);
            log::warning(Subsystem::control, "ng TCP stream from {} has no cookie, closing",
                         c.peer.toString());
            return false;
        }
        std::string_view cookie = rest.substr(0, space);
        std::string_view body = rest.substr(space + 1);
        bencode::Limits limits = processor_.limits();
        limits.maxInputSize = SIZE_MAX;  // measured below against the message limit
        auto measured = bencode::decode(body, limits);
        if (measured.status == bencode::DecodeStatus::incomplete) {
            if (rest.size() > maxMessageLength) {
                stats_.recordDrop(ControlStatistics::Drop::tcpOverflow);
                sendAll(c.fd,
                        std::string(cookie) + " " + NgProcessor::errorBody("Message too large"));
                log::warning(Subsystem::control, "Oversized ng TCP message from {}, closing",
                             c.peer.toString());
                return false;
            }
            break;  // wait for the rest
        }
        if (measured.status != bencode::DecodeStatus::ok) {
            // The end of the message cannot be found: answer it, then give up on the stream.
            stats_.recordDrop(ControlStatistics::Drop::tcpFraming);
            std::string reply =
                std::string(cookie) + " " +
                processor_.execute(body.substr(0, std::min<size_t>(body.size(), maxMessageLength)),
                                   c.peer);
            sendAll(c.fd, reply);
            return false;
        }
        size_t messageLength = space + 1 + measured.consumed;
        if (messageLength > maxMessageLength) {
            stats_.recordDrop(ControlStatistics::Drop::tcpOverflow);
            sendAll(c.fd, std::string(cookie) + " " + NgProcessor::errorBody("Message too large"));
            return false;
        }
        std::string reply = processor_.handleDatagram(rest.substr(0, messageLength), c.peer);
        offset += messageLength;
        if (!reply.empty() && !sendAll(c.fd, reply)) {
            return false;
        }
    }
    c.buffer.erase(0, offset);
    return !peerClosed;
}

void ControlServer::closeConnection(Connection& connection) {
    int fd = connection.fd;
    epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
    {
        std::lock_guard lock(connectionsMutex_);
        connections_.erase(fd);  // destroys `connection`
    }
    // Only now may accept() in another thread get the same descriptor number back.
    ::close(fd);
}

}  // namespace rtprelay::control
