#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/IpAddress.h"
#include "control/Bencode.h"

namespace rtprelay::test {

// A Kamailio-like ng client over UDP: one socket, raw datagrams or bencoded requests.
class NgUdpClient {
public:
    // `source`: the local address to send from (e.g. 127.0.0.2 to be "another host").
    explicit NgUdpClient(const net::Endpoint& server,
                         std::optional<net::IpAddress> source = std::nullopt);
    ~NgUdpClient();
    NgUdpClient(const NgUdpClient&) = delete;
    NgUdpClient& operator=(const NgUdpClient&) = delete;

    void sendRaw(std::string_view datagram);
    std::optional<std::string> receiveRaw(std::chrono::milliseconds timeout);
    // Sends "COOKIE SP encode(request)" and returns the decoded reply body (cookie checked).
    std::optional<control::bencode::Value> request(
        const control::bencode::Value& request,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
    std::string nextCookie();

private:
    int fd_ = -1;
};

// ng over TCP: a stream of "COOKIE SP BENCODE" messages.
class NgTcpClient {
public:
    explicit NgTcpClient(const net::Endpoint& server,
                         std::optional<net::IpAddress> source = std::nullopt);
    ~NgTcpClient();
    NgTcpClient(const NgTcpClient&) = delete;
    NgTcpClient& operator=(const NgTcpClient&) = delete;

    bool connected() const { return fd_ >= 0; }
    void sendRaw(std::string_view bytes);
    // Reads until one complete "COOKIE SP VALUE" reply is buffered.
    std::optional<std::string> receiveMessage(std::chrono::milliseconds timeout);
    // True when the server closed the connection within the timeout.
    bool closedByPeer(std::chrono::milliseconds timeout);

private:
    int fd_ = -1;
    std::string buffer_;
};

// A socket of `type` for `server`'s family, bound to `source` (any port) when given.
int socketFrom(const net::Endpoint& server, int type, std::optional<net::IpAddress> source);

// Splits "COOKIE SP BODY" and decodes BODY.
std::optional<control::bencode::Value> decodeReplyBody(std::string_view datagram,
                                                       std::string* cookie = nullptr);

// Polls `ping` until the daemon answers (or the timeout passes).
bool waitForPong(const net::Endpoint& server, std::chrono::milliseconds timeout);

}  // namespace rtprelay::test
