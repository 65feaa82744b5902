#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/IpAddress.h"
#include "ops/CliCommands.h"
#include "ops/OneShotServer.h"
#include "ops/StatisticsCollector.h"

namespace rtprelay::ops {

// `listen-http`: a minimal HTTP/1.1 server (GET and HEAD, one request per connection,
// `Connection: close`) for `GET /metrics` (Prometheus), `GET /ping` and `GET /cli/COMMAND`
// (rtpengine's CLI over HTTP, `+` or %20 for spaces).
class HttpServer {
public:
    static constexpr size_t maxRequest = 16 * 1024;

    HttpServer(CliCommands& commands, StatisticsCollector& statistics);

    // Throws std::runtime_error("cannot bind listen-http ADDR: reason").
    void bind(const net::Endpoint& endpoint) { server_.bind(endpoint); }
    void start() { server_.start(); }
    void stop() { server_.stop(); }
    std::vector<net::Endpoint> addresses() const { return server_.addresses(); }

private:
    std::optional<std::string> handle(std::string_view received, bool eof, bool overflow,
                                      const net::Endpoint& peer);

    CliCommands& commands_;
    StatisticsCollector& statistics_;
    OneShotServer server_;
};

}  // namespace rtprelay::ops
