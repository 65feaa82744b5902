#include "ops/CliServer.h"

#include "log/Log.h"

namespace rtprelay::ops {

using log::Subsystem;

namespace {

OneShotServer::Limits cliLimits() {
    OneShotServer::Limits limits;
    limits.maxRequest = CliServer::maxLine;
    limits.maxConnections = 32;
    limits.lifetime = std::chrono::seconds(30);
    return limits;
}

}  // namespace

CliServer::CliServer(CliCommands& commands, control::AccessControl& access)
    : commands_(commands),
      server_("listen-cli", Subsystem::cli, cliLimits(),
              [this](std::string_view received, bool eof, bool overflow,
                     const net::Endpoint& peer) { return handle(received, eof, overflow, peer); }) {
    server_.setAdmission([&access](const net::Endpoint& peer) {
        return access.admit(control::ControlListener::cli, peer);
    });
}

std::optional<std::string> CliServer::handle(std::string_view received, bool eof, bool overflow,
                                             const net::Endpoint& peer) {
    size_t newline = received.find('\n');
    if (newline == std::string_view::npos || newline > maxLine) {
        if (overflow) {
            log::warning(Subsystem::cli, "Command line from {} longer than {} bytes, closing",
                         peer.toString(), maxLine);
            return std::nullopt;
        }
        if (!eof || received.empty()) {
            return std::nullopt;
        }
        newline = received.size();  // `printf 'list totals' | nc`: the end is the line end
    }
    std::string_view line = received.substr(0, newline);
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    log::info(Subsystem::cli, "Command '{}' from {}", line, peer.toString());
    return commands_.execute(line).text;
}

}  // namespace rtprelay::ops
