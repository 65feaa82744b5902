#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/IpAddress.h"
#include "control/SpareDescriptor.h"
#include "log/Log.h"

namespace rtprelay::ops {

// A TCP server for protocols where a connection carries one request and gets one answer,
// then closes (rtpengine's CLI, HTTP with `Connection: close`). One thread and one epoll set:
// operator traffic is rare, and a slow command only delays other operators, never ng or media.
// Bounded: request size, open connections, and the whole life of a connection.
class OneShotServer {
public:
    struct Limits {
        size_t maxRequest = 1024;    // bytes kept before the request must be complete
        size_t maxConnections = 64;  // more are accepted and closed at once
        std::chrono::milliseconds lifetime{10000};  // from accept to close, answer included
    };
    // What arrived so far (at most maxRequest + 1 bytes); `eof`: the client closed its side;
    // `overflow`: more than maxRequest bytes and no answer yet. Returns the answer to send
    // before closing, or nothing: wait for more bytes (or, with eof/overflow, just close).
    using Handler = std::function<std::optional<std::string>(
        std::string_view received, bool eof, bool overflow, const net::Endpoint& peer)>;

    // Decides, right after accept, whether a client is served; a refused connection is
    // closed at once.
    using Admit = std::function<bool(const net::Endpoint& peer)>;

    // `option` names the listener in errors and logs ("listen-cli").
    OneShotServer(std::string option, log::Subsystem subsystem, Limits limits, Handler handler);
    ~OneShotServer();
    OneShotServer(const OneShotServer&) = delete;
    OneShotServer& operator=(const OneShotServer&) = delete;

    // Before start(); without it every client is served.
    void setAdmission(Admit admit) { admit_ = std::move(admit); }
    // Before start(); throws std::runtime_error("cannot bind listen-cli ADDR: reason").
    void bind(const net::Endpoint& endpoint);
    void start();
    void stop();
    // Addresses actually bound (port 0 resolved), in bind order.
    std::vector<net::Endpoint> addresses() const;

private:
    struct Slot;
    struct Connection;

    void run();
    void accept(Slot& listener);
    void serve(Connection& c, uint32_t events);
    void readRequest(Connection& c);
    void writeAnswer(Connection& c);
    void drain(Connection& c);
    void watch(Connection& c, uint32_t events);
    void close(Connection& c);
    void closeExpired();

    std::string option_;
    log::Subsystem subsystem_;
    Limits limits_;
    Handler handler_;
    Admit admit_;
    int epollFd_ = -1;
    int wakeFd_ = -1;
    std::atomic<bool> stopping_{false};
    std::vector<std::unique_ptr<Slot>> listeners_;
    std::unique_ptr<Slot> wake_;
    std::unordered_map<int, std::unique_ptr<Connection>> connections_;  // by fd; server thread
    std::chrono::steady_clock::time_point lastRefusal_;  // refusals are logged once a second
    control::SpareDescriptor spare_;
    std::thread thread_;
};

}  // namespace rtprelay::ops
