#include "ops/OneShotServer.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "log/Log.h"

namespace rtprelay::ops {

using Clock = std::chrono::steady_clock;

namespace {

// After the answer: how long a client gets to close its side before the server does. Closing
// while unread request bytes wait would reset the connection and could lose the answer.
constexpr std::chrono::milliseconds lingerTime{1000};

std::string errnoText(int err) {
    return std::strerror(err);
}

}  // namespace

struct OneShotServer::Slot {
    enum class Kind { listener, wake, connection };
    explicit Slot(Kind k) : kind(k) {}
    Kind kind;
    int fd = -1;
    net::Endpoint local;
};

struct OneShotServer::Connection : OneShotServer::Slot {
    enum class State { reading, writing, draining };
    Connection() : Slot(Kind::connection) {}
    State state = State::reading;
    net::Endpoint peer;
    std::string in;
    std::string out;
    size_t sent = 0;
    Clock::time_point deadline;
};

OneShotServer::OneShotServer(std::string option, log::Subsystem subsystem, Limits limits,
                             Handler handler)
    : option_(std::move(option)),
      subsystem_(subsystem),
      limits_(limits),
      handler_(std::move(handler)),
      spare_(subsystem, option_) {
    epollFd_ = epoll_create1(EPOLL_CLOEXEC);
    wakeFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epollFd_ < 0 || wakeFd_ < 0) {
        int err = errno;
        if (epollFd_ >= 0) {
            ::close(epollFd_);
        }
        if (wakeFd_ >= 0) {
            ::close(wakeFd_);
        }
        throw std::runtime_error(fmt::format("cannot serve {}: {}", option_, errnoText(err)));
    }
    wake_ = std::make_unique<Slot>(Slot::Kind::wake);
    wake_->fd = wakeFd_;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = wake_.get();
    epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &ev);
}

OneShotServer::~OneShotServer() {
    stop();
    for (auto& l : listeners_) {
        ::close(l->fd);
    }
    for (auto& [fd, c] : connections_) {
        ::close(fd);
    }
    ::close(wakeFd_);
    ::close(epollFd_);
}

void OneShotServer::bind(const net::Endpoint& endpoint) {
    auto fail = [&](int err) {
        return std::runtime_error(
            fmt::format("cannot bind {} {}: {}", option_, endpoint.toString(), errnoText(err)));
    };
    int family = endpoint.address().isV4() ? AF_INET : AF_INET6;
    int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw fail(errno);
    }
    int one = 1;
    if (family == AF_INET6) {
        // "PORT" alone binds 0.0.0.0 and :: separately, so :: must not claim IPv4 too.
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss;
    socklen_t len = endpoint.toSockaddr(ss);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 64) != 0) {
        int err = errno;
        ::close(fd);
        throw fail(err);
    }
    auto listener = std::make_unique<Slot>(Slot::Kind::listener);
    listener->fd = fd;
    listener->local = endpoint;
    len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
        if (auto e = net::Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len)) {
            listener->local = *e;
        }
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = listener.get();
    epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &ev);
    listeners_.push_back(std::move(listener));
}

std::vector<net::Endpoint> OneShotServer::addresses() const {
    std::vector<net::Endpoint> out;
    for (const auto& l : listeners_) {
        out.push_back(l->local);
    }
    return out;
}

void OneShotServer::start() {
    if (!thread_.joinable()) {
        thread_ = std::thread([this] { run(); });
    }
}

void OneShotServer::stop() {
    if (!thread_.joinable()) {
        return;
    }
    stopping_.store(true);
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wakeFd_, &one, sizeof one);
    thread_.join();
    while (!connections_.empty()) {
        close(*connections_.begin()->second);
    }
}

void OneShotServer::run() {
    epoll_event events[16];
    while (!stopping_.load()) {
        // The timeout bounds how late an expired connection is closed.
        int n = epoll_wait(epollFd_, events, 16, 200);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            log::error(subsystem_, "{}: epoll_wait failed: {}", option_, errnoText(errno));
            return;
        }
        for (int i = 0; i < n && !stopping_.load(); ++i) {
            auto* slot = static_cast<Slot*>(events[i].data.ptr);
            if (slot->kind == Slot::Kind::listener) {
                accept(*slot);
            } else if (slot->kind == Slot::Kind::connection) {
                serve(static_cast<Connection&>(*slot), events[i].events);
            }
        }
        closeExpired();
    }
}

void OneShotServer::accept(Slot& listener) {
    for (;;) {
        sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = spare_.accept(listener.fd, reinterpret_cast<sockaddr*>(&ss), &len,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return;  // EAGAIN, the file limit, or the client gave up already
        }
        auto peer = net::Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
        if (peer && admit_ && !admit_(*peer)) {
            ::close(fd);
            continue;
        }
        if (!peer || connections_.size() >= limits_.maxConnections) {
            if (auto now = Clock::now(); now - lastRefusal_ >= std::chrono::seconds(1)) {
                lastRefusal_ = now;
                log::warning(subsystem_, "{}: refusing connections, {} open", option_,
                             connections_.size());
            }
            ::close(fd);
            continue;
        }
        auto c = std::make_unique<Connection>();
        c->fd = fd;
        c->local = listener.local;
        c->peer = *peer;
        c->deadline = Clock::now() + limits_.lifetime;
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.ptr = c.get();
        if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
            ::close(fd);
            continue;
        }
        connections_.emplace(fd, std::move(c));
    }
}

void OneShotServer::serve(Connection& c, uint32_t events) {
    switch (c.state) {
        case Connection::State::reading:
            readRequest(c);
            return;
        case Connection::State::writing:
            if (events & (EPOLLERR | EPOLLHUP)) {
                close(c);
            } else {
                writeAnswer(c);
            }
            return;
        case Connection::State::draining:
            drain(c);
            return;
    }
}

void OneShotServer::readRequest(Connection& c) {
    bool eof = false;
    char chunk[4096];
    while (c.in.size() <= limits_.maxRequest) {
        size_t room = limits_.maxRequest + 1 - c.in.size();
        ssize_t n = ::recv(c.fd, chunk, std::min(room, sizeof chunk), 0);
        if (n > 0) {
            c.in.append(chunk, static_cast<size_t>(n));
            continue;
        }
        if (n == 0) {
            eof = true;
            break;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        }
        close(c);
        return;
    }
    bool overflow = c.in.size() > limits_.maxRequest;
    auto answer = handler_(c.in, eof, overflow, c.peer);
    if (answer) {
        c.out = std::move(*answer);
        c.in.clear();
        c.state = Connection::State::writing;
        writeAnswer(c);
    } else if (eof || overflow) {
        close(c);
    }
}

void OneShotServer::writeAnswer(Connection& c) {
    while (c.sent < c.out.size()) {
        ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (n > 0) {
            c.sent += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            watch(c, EPOLLOUT);
            return;
        }
        close(c);
        return;
    }
    c.out.clear();
    ::shutdown(c.fd, SHUT_WR);
    c.state = Connection::State::draining;
    c.deadline = std::min(c.deadline, Clock::now() + lingerTime);
    watch(c, EPOLLIN | EPOLLRDHUP);
    drain(c);
}

void OneShotServer::drain(Connection& c) {
    char chunk[4096];
    for (;;) {
        ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
        if (n > 0) {
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        close(c);
        return;
    }
}

void OneShotServer::watch(Connection& c, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = &c;
    epoll_ctl(epollFd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void OneShotServer::close(Connection& c) {
    int fd = c.fd;
    epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    connections_.erase(fd);
}

void OneShotServer::closeExpired() {
    auto now = Clock::now();
    std::vector<Connection*> expired;
    for (auto& [fd, c] : connections_) {
        if (now >= c->deadline) {
            expired.push_back(c.get());
        }
    }
    for (Connection* c : expired) {
        if (c->state != Connection::State::draining) {
            log::info(subsystem_, "{}: closing the connection from {} (time limit)", option_,
                      c->peer.toString());
        }
        close(*c);
    }
}

}  // namespace rtprelay::ops
