#include "NgClient.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace rtprelay::bench {

namespace bencode = control::bencode;

int connectNgSocket(const char* tool, const std::string& server, int bufferBytes) {
    std::string host;
    std::string port;
    if (!server.empty() && server[0] == '[') {
        auto close = server.find(']');
        if (close == std::string::npos || close + 1 >= server.size() || server[close + 1] != ':') {
            std::fprintf(stderr, "%s: bad server address %s\n", tool, server.c_str());
            std::exit(2);
        }
        host = server.substr(1, close - 1);
        port = server.substr(close + 2);
    } else {
        auto colon = server.rfind(':');
        if (colon == std::string::npos) {
            std::fprintf(stderr, "%s: server address %s needs a port\n", tool, server.c_str());
            std::exit(2);
        }
        host = server.substr(0, colon);
        port = server.substr(colon + 1);
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
        std::fprintf(stderr, "%s: %s: %s\n", tool, server.c_str(), ::gai_strerror(rc));
        std::exit(2);
    }
    int fd = ::socket(res->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        std::fprintf(stderr, "%s: socket/connect %s: %s\n", tool, server.c_str(),
                     std::strerror(errno));
        std::exit(2);
    }
    ::freeaddrinfo(res);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufferBytes, sizeof bufferBytes);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufferBytes, sizeof bufferBytes);
    return fd;
}

NgClient::NgClient(int sock, std::string prefix) : sock_(sock), prefix_(std::move(prefix)) {}

void NgClient::send(const bencode::Value& request, uint64_t tag) {
    uint64_t seq = ++seq_;
    std::string packet = prefix_ + "_" + std::to_string(seq) + " ";
    bencode::encodeTo(request, packet);
    auto now = Clock::now();
    auto& p = pending_[seq] = Pending{tag, std::move(packet), 1, now};
    ++requests_;
    transmit(p.packet);
    timers_.push_back(Timer{now + retransmitAfter, seq, 1});
}

void NgClient::transmit(const std::string& packet) {
    ++datagrams_;
    // EAGAIN/ENOBUFS/ECONNREFUSED: the datagram is lost like any other; the timer resends.
    (void)::send(sock_, packet.data(), packet.size(), 0);
}

bool NgClient::poll(std::chrono::milliseconds maxWait, int extraFd,
                    const std::function<void(NgCompletion&)>& done) {
    auto now = Clock::now();
    auto wait = maxWait;
    if (!timers_.empty()) {
        wait =
            std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(timers_.front().due - now));
    }
    pollfd fds[2] = {{sock_, POLLIN, 0}, {extraFd, POLLIN, 0}};
    int n = ::poll(fds, extraFd >= 0 ? 2 : 1, static_cast<int>(std::max<int64_t>(wait.count(), 0)));
    if (n > 0 && (fds[0].revents & (POLLIN | POLLERR))) {
        for (;;) {
            ssize_t len = ::recv(sock_, buf_.data(), buf_.size(), 0);
            if (len < 0) {
                if (errno == ECONNREFUSED || errno == EINTR) {
                    continue;  // nobody listening (yet): retransmission copes
                }
                break;  // EAGAIN or a real error: the timers cope
            }
            onDatagram(std::string_view(buf_.data(), static_cast<size_t>(len)), done);
        }
    }
    expireTimers(done);
    return n > 0 && extraFd >= 0 && (fds[1].revents & POLLIN);
}

void NgClient::onDatagram(std::string_view data, const std::function<void(NgCompletion&)>& done) {
    auto space = data.find(' ');
    std::string_view cookie = data.substr(0, space);
    uint64_t seq = 0;
    bool ours = space != std::string_view::npos && cookie.size() > prefix_.size() + 1 &&
                cookie.substr(0, prefix_.size()) == prefix_ && cookie[prefix_.size()] == '_';
    if (ours) {
        auto digits = cookie.substr(prefix_.size() + 1);
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
        ours = ec == std::errc() && ptr == digits.data() + digits.size();
    }
    auto it = ours ? pending_.find(seq) : pending_.end();
    if (it == pending_.end()) {
        ++stray_;
        return;
    }
    NgCompletion c;
    c.tag = it->second.tag;
    c.rtt =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - it->second.firstSent);
    pending_.erase(it);
    auto decoded = bencode::decode(data.substr(space + 1));
    if (decoded.status == bencode::DecodeStatus::ok) {
        c.kind = NgCompletion::Kind::reply;
        c.value = std::move(decoded.value);
    } else {
        c.kind = NgCompletion::Kind::undecodable;
    }
    done(c);
}

void NgClient::expireTimers(const std::function<void(NgCompletion&)>& done) {
    auto now = Clock::now();
    while (!timers_.empty() && timers_.front().due <= now) {
        Timer t = timers_.front();
        timers_.pop_front();
        auto it = pending_.find(t.seq);
        if (it == pending_.end() || it->second.tries != t.tries) {
            continue;  // answered, or a newer timer exists
        }
        Pending& p = it->second;
        if (p.tries >= maxTries) {
            NgCompletion c;
            c.tag = p.tag;
            c.kind = NgCompletion::Kind::timeout;
            c.rtt = std::chrono::duration_cast<std::chrono::microseconds>(now - p.firstSent);
            pending_.erase(it);
            done(c);
            continue;
        }
        ++p.tries;
        ++retransmits_;
        transmit(p.packet);
        timers_.push_back(Timer{now + retransmitAfter, t.seq, p.tries});
    }
}

std::vector<std::optional<bencode::Value>> NgClient::exchange(
    const std::vector<bencode::Value>& requests, size_t window, const std::atomic<bool>& stop) {
    std::vector<std::optional<bencode::Value>> replies(requests.size());
    size_t next = 0;
    size_t finished = 0;
    while (next < requests.size() && inFlight() < window) {
        send(requests[next], next);
        ++next;
    }
    auto done = [&](NgCompletion& c) {
        if (c.kind == NgCompletion::Kind::reply) {
            replies[c.tag] = std::move(c.value);
        }
        ++finished;
        if (next < requests.size()) {
            send(requests[next], next);
            ++next;
        }
    };
    while (finished < requests.size() && !stop.load()) {
        poll(std::chrono::milliseconds(100), -1, done);
    }
    if (finished < requests.size()) {
        // Stopped: forget what is still in flight, so a later exchange never sees its tags.
        pending_.clear();
        timers_.clear();
    }
    return replies;
}

}  // namespace rtprelay::bench
