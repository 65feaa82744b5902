#include "protocol/NgClient.h"

#include <atomic>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <thread>

namespace rtprelay::test {

using control::bencode::Value;

int socketFrom(const net::Endpoint& server, int type, std::optional<net::IpAddress> source) {
    int fd = ::socket(server.address().isV4() ? AF_INET : AF_INET6, type | SOCK_CLOEXEC, 0);
    if (fd >= 0 && source) {
        sockaddr_storage ss;
        socklen_t len = net::Endpoint(*source, 0).toSockaddr(ss);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
            ::close(fd);
            return -1;
        }
    }
    return fd;
}

NgUdpClient::NgUdpClient(const net::Endpoint& server, std::optional<net::IpAddress> source) {
    fd_ = socketFrom(server, SOCK_DGRAM, source);
    sockaddr_storage ss;
    socklen_t len = server.toSockaddr(ss);
    ::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len);
}

NgUdpClient::~NgUdpClient() {
    ::close(fd_);
}

void NgUdpClient::sendRaw(std::string_view datagram) {
    ::send(fd_, datagram.data(), datagram.size(), 0);
}

std::optional<std::string> NgUdpClient::receiveRaw(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
        return std::nullopt;
    }
    std::string buf(70000, '\0');
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n < 0) {
        return std::nullopt;
    }
    buf.resize(static_cast<size_t>(n));
    return buf;
}

std::string NgUdpClient::nextCookie() {
    // Unique across every client of the process: the daemon's retransmission cache is keyed
    // by cookie alone, so two clients counting from 1 would get each other's cached replies.
    // (Random starts per client collided after a few thousand requests.)
    static std::atomic<unsigned> processSequence{std::random_device{}() % 100000};
    return "test_" + std::to_string(::getpid()) + "_" + std::to_string(++processSequence);
}

std::optional<Value> NgUdpClient::request(const Value& request, std::chrono::milliseconds timeout) {
    std::string cookie = nextCookie();
    sendRaw(cookie + " " + control::bencode::encode(request));
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto raw = receiveRaw(left);
        if (!raw) {
            return std::nullopt;
        }
        std::string replyCookie;
        auto body = decodeReplyBody(*raw, &replyCookie);
        if (replyCookie == cookie) {
            return body;
        }
    }
    return std::nullopt;
}

std::optional<Value> decodeReplyBody(std::string_view datagram, std::string* cookie) {
    size_t space = datagram.find(' ');
    if (space == std::string_view::npos) {
        return std::nullopt;
    }
    if (cookie) {
        *cookie = std::string(datagram.substr(0, space));
    }
    auto r = control::bencode::decode(datagram.substr(space + 1));
    if (r.status != control::bencode::DecodeStatus::ok) {
        return std::nullopt;
    }
    return r.value;
}

bool waitForPong(const net::Endpoint& server, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    NgUdpClient client(server);
    Value ping = Value::dict();
    ping.set("command", "ping");
    while (std::chrono::steady_clock::now() < deadline) {
        auto reply = client.request(ping, std::chrono::milliseconds(100));
        if (reply && reply->find("result") && reply->find("result")->str() == "pong") {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

NgTcpClient::NgTcpClient(const net::Endpoint& server, std::optional<net::IpAddress> source) {
    fd_ = socketFrom(server, SOCK_STREAM, source);
    sockaddr_storage ss;
    socklen_t len = server.toSockaddr(ss);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

NgTcpClient::~NgTcpClient() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void NgTcpClient::sendRaw(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
}

std::optional<std::string> NgTcpClient::receiveMessage(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        size_t space = buffer_.find(' ');
        if (space != std::string::npos) {
            auto r = control::bencode::decode(std::string_view(buffer_).substr(space + 1));
            if (r.status == control::bencode::DecodeStatus::ok) {
                std::string message = buffer_.substr(0, space + 1 + r.consumed);
                buffer_.erase(0, space + 1 + r.consumed);
                return message;
            }
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return std::nullopt;
        }
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            return std::nullopt;
        }
        char chunk[8192];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) {
            return std::nullopt;
        }
        buffer_.append(chunk, static_cast<size_t>(n));
    }
}

bool NgTcpClient::closedByPeer(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd_, POLLIN, 0};
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <= 0) {
            return false;
        }
        char chunk[8192];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n == 0) {
            return true;
        }
        if (n < 0) {
            return errno == ECONNRESET;
        }
    }
    return false;
}

}  // namespace rtprelay::test
