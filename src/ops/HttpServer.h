#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/IpAddress.h"
#include "control/AccessControl.h"
#include "control/ControlStatistics.h"
#include "control/NgProcessor.h"
#include "log/LogThrottle.h"
#include "ops/CliCommands.h"
#include "ops/HttpRequest.h"
#include "ops/OneShotServer.h"
#include "ops/StatisticsCollector.h"

namespace rtprelay::ops {

// `listen-http`: a minimal HTTP/1.1 server (one request per connection, `Connection: close`)
// for `GET /metrics` (Prometheus), `GET /ping`, `GET /cli/COMMAND` (rtpengine's CLI over HTTP,
// `+` or %20 for spaces) and rtpengine's `POST /ng` (body and answer "COOKIE SP BENCODE",
// Content-Type application/x-rtpengine-ng, through the same request path and retransmission
// cache as ng over UDP). With `http-secret`, POST /ng and /cli/ need
// `Authorization: Bearer SECRET`: missing → 401, wrong → 403. Connections from sources
// `access` refuses are closed at accept.
class HttpServer {
public:
    static constexpr size_t maxHead = 16 * 1024;
    // rtpengine's largest ng datagram plus room for the cookie.
    static constexpr size_t maxNgBody = 65535 + 256;
    static constexpr size_t maxRequest = maxHead + maxNgBody;
    static constexpr std::string_view ngContentType = "application/x-rtpengine-ng";

    HttpServer(CliCommands& commands, StatisticsCollector& statistics, control::NgProcessor& ng,
               control::ControlStatistics& control, control::AccessControl& access);

    // Throws std::runtime_error("cannot bind listen-http ADDR: reason").
    void bind(const net::Endpoint& endpoint) { server_.bind(endpoint); }
    void start() { server_.start(); }
    void stop() { server_.stop(); }
    std::vector<net::Endpoint> addresses() const { return server_.addresses(); }

    // Empty: no secret. Any thread (SIGHUP reload).
    void setSecret(std::string secret);

private:
    std::optional<std::string> handle(std::string_view received, bool eof, bool overflow,
                                      const net::Endpoint& peer);
    std::optional<std::string> handleNg(const HttpRequest& request, std::string_view received,
                                        bool eof, const net::Endpoint& peer);
    // Nothing when the request may go on, else the 401/403 answer.
    std::optional<std::string> checkSecret(const HttpRequest& request, const net::Endpoint& peer);

    CliCommands& commands_;
    StatisticsCollector& statistics_;
    control::NgProcessor& ng_;
    control::ControlStatistics& control_;
    std::mutex secretMutex_;
    std::string secret_;
    log::LogThrottle unauthorizedLog_{std::chrono::seconds(10)};
    OneShotServer server_;
};

}  // namespace rtprelay::ops
