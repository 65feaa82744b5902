#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/IpAddress.h"
#include "control/AccessControl.h"
#include "control/ControlStatistics.h"
#include "control/NgProcessor.h"
#include "control/SpareDescriptor.h"

namespace rtprelay::control {

// ng over UDP (`listen-ng`) and TCP (`listen-tcp-ng`). A few threads share one epoll set:
// a slow command on one thread does not hold up requests on the others, and a TCP
// connection is served by one thread at a time (EPOLLONESHOT).
class ControlServer {
public:
    // `access` decides which sources are served (a refused datagram gets no reply, a refused
    // TCP connection is closed at accept).
    ControlServer(NgProcessor& processor, ControlStatistics& stats, AccessControl& access,
                  unsigned threads);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Bind before start(); throw std::runtime_error("cannot bind listen-ng ADDR: reason").
    void bindUdp(const net::Endpoint& endpoint);
    void bindTcp(const net::Endpoint& endpoint);
    void start();
    void stop();

    // Addresses actually bound (port 0 resolved), in bind order.
    std::vector<net::Endpoint> udpAddresses() const;
    std::vector<net::Endpoint> tcpAddresses() const;

    static constexpr size_t maxTcpConnections = 1024;

private:
    struct Source;
    struct Connection;

    void run();
    void serveUdp(Source& source);
    void acceptTcp(Source& source);
    // False when the connection must be closed.
    bool serveTcp(Connection& connection);
    bool sendAll(int fd, std::string_view data);
    void closeConnection(Connection& connection);
    void addToEpoll(int fd, uint32_t events, void* tag);

    NgProcessor& processor_;
    ControlStatistics& stats_;
    AccessControl& access_;
    unsigned threadCount_;
    int epollFd_ = -1;
    int wakeFd_ = -1;
    std::atomic<bool> stopping_{false};
    std::vector<std::unique_ptr<Source>> sources_;
    std::mutex connectionsMutex_;
    std::unordered_map<int, std::unique_ptr<Connection>> connections_;
    std::vector<std::thread> threads_;
    SpareDescriptor spare_{log::Subsystem::control, "listen-tcp-ng"};
};

}  // namespace rtprelay::control
