#include "ops/HttpServer.h"

#include <fmt/format.h>

#include "log/Log.h"
#include "ops/HttpRequest.h"
#include "ops/PrometheusMetrics.h"

namespace rtprelay::ops {

using log::Subsystem;

namespace {

OneShotServer::Limits httpLimits() {
    OneShotServer::Limits limits;
    limits.maxRequest = HttpServer::maxRequest;
    limits.maxConnections = 64;
    limits.lifetime = std::chrono::seconds(30);
    return limits;
}

const char* reasonPhrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 431:
            return "Request Header Fields Too Large";
        default:
            return "Error";
    }
}

constexpr std::string_view plainText = "text/plain; charset=utf-8";

std::string response(int status, std::string_view contentType, const std::string& body,
                     bool withBody = true) {
    std::string out = fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n"
        "Cache-Control: no-store\r\n{}\r\n",
        status, reasonPhrase(status), contentType, body.size(),
        status == 405 ? "Allow: GET, HEAD\r\n" : "");
    if (withBody) {
        out += body;
    }
    return out;
}

}  // namespace

HttpServer::HttpServer(CliCommands& commands, StatisticsCollector& statistics)
    : commands_(commands),
      statistics_(statistics),
      server_("listen-http", Subsystem::http, httpLimits(),
              [this](std::string_view received, bool eof, bool overflow,
                     const net::Endpoint& peer) { return handle(received, eof, overflow, peer); }) {
}

std::optional<std::string> HttpServer::handle(std::string_view received, bool eof, bool overflow,
                                              const net::Endpoint& peer) {
    HttpRequest request;
    auto status = HttpRequest::parse(received, request);
    if (status == HttpRequest::Status::incomplete) {
        if (overflow) {
            log::info(Subsystem::http, "Request from {} larger than {} bytes", peer.toString(),
                      maxRequest);
            return response(431, plainText, "Request too large\n");
        }
        if (eof && !received.empty()) {
            return response(400, plainText, "Bad request\n");
        }
        return std::nullopt;
    }
    if (status == HttpRequest::Status::malformed) {
        log::info(Subsystem::http, "Malformed request from {}", peer.toString());
        return response(400, plainText, "Bad request\n");
    }
    bool head = request.method == "HEAD";
    if (request.method != "GET" && !head) {
        return response(405, plainText, "Only GET and HEAD are supported\n");
    }
    log::debug(Subsystem::http, "{} {} from {}", request.method, request.path, peer.toString());
    if (request.path == "/ping") {
        return response(200, plainText, "pong\n", !head);
    }
    if (request.path == "/metrics") {
        return response(200, "text/plain; version=0.0.4; charset=utf-8",
                        prometheusMetrics(statistics_.collect()), !head);
    }
    constexpr std::string_view cliPrefix = "/cli/";
    if (request.path.rfind(cliPrefix, 0) == 0) {
        auto command = decodeUrlComponent(std::string_view(request.path).substr(cliPrefix.size()));
        if (!command ||
            command->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
            return response(400, plainText, "Bad request\n");
        }
        log::info(Subsystem::http, "CLI command '{}' from {}", *command, peer.toString());
        return response(200, plainText, commands_.execute(*command).text, !head);
    }
    return response(404, plainText, "Not found\n", !head);
}

}  // namespace rtprelay::ops
