#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/IpAddress.h"
#include "control/AccessControl.h"
#include "ops/CliCommands.h"
#include "ops/OneShotServer.h"

namespace rtprelay::ops {

// rtpengine's CLI socket (`listen-cli`, what rtpengine-ctl and rtprelay-ctl talk to): the
// client sends one command line, the server writes the text answer and closes. A line longer
// than 1024 bytes closes the connection unanswered, as in rtpengine.
class CliServer {
public:
    static constexpr size_t maxLine = 1024;

    // Connections from sources `access` refuses for the CLI are closed at accept.
    CliServer(CliCommands& commands, control::AccessControl& access);

    // Throws std::runtime_error("cannot bind listen-cli ADDR: reason").
    void bind(const net::Endpoint& endpoint) { server_.bind(endpoint); }
    void start() { server_.start(); }
    void stop() { server_.stop(); }
    std::vector<net::Endpoint> addresses() const { return server_.addresses(); }

private:
    std::optional<std::string> handle(std::string_view received, bool eof, bool overflow,
                                      const net::Endpoint& peer);

    CliCommands& commands_;
    OneShotServer server_;
};

}  // namespace rtprelay::ops
