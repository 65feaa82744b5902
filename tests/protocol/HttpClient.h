#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rtprelay::test {

struct HttpResponse {
    int status = 0;
    std::string head;
    std::string body;
};

// Sends `request` to 127.0.0.1:`port` over TCP and reads the answer until the server closes
// (10 s at most); nullopt when there is no well-formed HTTP/1.1 answer with a matching
// Content-Length. `halfClose` shuts the sending side after the request.
std::optional<HttpResponse> httpExchange(uint16_t port, const std::string& request,
                                         bool halfClose = false);

}  // namespace rtprelay::test
