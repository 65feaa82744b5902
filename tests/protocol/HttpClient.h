#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace rtprelay::test {

struct HttpResponse {
    int status = 0;
    std::string head;
    std::string body;
};

// Reads from `fd` until the peer closes; nullopt when `timeout` passes first.
std::optional<std::string> readUntilClosed(int fd, std::chrono::milliseconds timeout);

// Connects to 127.0.0.1:`port`, sends `bytes` (then half-closes if asked) and returns all that
// arrives until the server closes (10 s at most); nullopt when the connection fails or stays
// open too long.
std::optional<std::string> tcpExchange(uint16_t port, const std::string& bytes,
                                       bool halfClose = false);

// Sends `request` to 127.0.0.1:`port` over TCP and reads the answer until the server closes
// (10 s at most); nullopt when there is no well-formed HTTP/1.1 answer with a matching
// Content-Length. `halfClose` shuts the sending side after the request.
std::optional<HttpResponse> httpExchange(uint16_t port, const std::string& request,
                                         bool halfClose = false);

}  // namespace rtprelay::test
