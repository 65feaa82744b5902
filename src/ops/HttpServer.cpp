#include "ops/HttpServer.h"

#include <fmt/format.h>

#include <cctype>

#include "common/Text.h"
#include "log/Log.h"
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
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 415:
            return "Unsupported Media Type";
        case 431:
            return "Request Header Fields Too Large";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        default:
            return "Error";
    }
}

constexpr std::string_view plainText = "text/plain; charset=utf-8";

std::string response(int status, std::string_view contentType, const std::string& body,
                     bool withBody = true, std::string_view extraHeaders = {}) {
    std::string out = fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n"
        "Cache-Control: no-store\r\n{}\r\n",
        status, reasonPhrase(status), contentType, body.size(), extraHeaders);
    if (withBody) {
        out += body;
    }
    return out;
}

// The time taken depends on the length of `secret` only, never on where `given` differs.
bool sameSecret(std::string_view secret, std::string_view given) {
    unsigned diff = secret.size() == given.size() ? 0 : 1;
    for (size_t i = 0; i < secret.size(); ++i) {
        auto g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0u;
        diff |= static_cast<unsigned char>(secret[i]) ^ g;
    }
    return diff == 0;
}

// The media type of a Content-Type value, without parameters and blanks.
std::string_view mediaType(std::string_view value) {
    value = value.substr(0, value.find(';'));
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
    }
    return value;
}

// Content-Length: digits only, at most `max`.
std::optional<size_t> contentLength(std::string_view text, size_t max) {
    auto value = text::parseDigits(text, 9);
    if (!value) {
        return std::nullopt;
    }
    return *value > max ? max + 1 : static_cast<size_t>(*value);
}

}  // namespace

HttpServer::HttpServer(CliCommands& commands, StatisticsCollector& statistics,
                       control::NgProcessor& ng, control::ControlStatistics& control,
                       control::AccessControl& access)
    : commands_(commands),
      statistics_(statistics),
      ng_(ng),
      control_(control),
      server_("listen-http", Subsystem::http, httpLimits(),
              [this](std::string_view received, bool eof, bool overflow,
                     const net::Endpoint& peer) { return handle(received, eof, overflow, peer); }) {
    server_.setAdmission([&access](const net::Endpoint& peer) {
        return access.admit(control::ControlListener::http, peer);
    });
}

void HttpServer::setSecret(std::string secret) {
    std::lock_guard lock(secretMutex_);
    secret_ = std::move(secret);
}

std::optional<std::string> HttpServer::checkSecret(const HttpRequest& request,
                                                   const net::Endpoint& peer) {
    std::string secret;
    {
        std::lock_guard lock(secretMutex_);
        secret = secret_;
    }
    if (secret.empty()) {
        return std::nullopt;
    }
    constexpr std::string_view scheme = "Bearer ";
    bool repeated = false;
    auto authorization = request.header("Authorization", &repeated);
    bool bearer = authorization && !repeated && authorization->size() > scheme.size() &&
                  text::equalsIgnoreCase(authorization->substr(0, scheme.size()), scheme);
    if (bearer) {
        std::string_view token = authorization->substr(scheme.size());
        while (!token.empty() && token.front() == ' ') {
            token.remove_prefix(1);
        }
        if (sameSecret(secret, token)) {
            return std::nullopt;
        }
    }
    control_.recordUnauthorized();
    if (uint64_t heldBack = 0; unauthorizedLog_.admit(heldBack)) {
        log::warning(Subsystem::http, "Refused {} {} from {}: {} http-secret{}", request.method,
                     request.path, peer.toString(), bearer ? "wrong" : "no",
                     heldBack == 0
                         ? std::string()
                         : fmt::format(" ({} more refused since the last report)", heldBack));
    }
    if (!bearer) {
        return response(401, plainText, "Authorization: Bearer SECRET required\n", true,
                        "WWW-Authenticate: Bearer realm=\"rtprelay\"\r\n");
    }
    return response(403, plainText, "Wrong secret\n");
}

std::optional<std::string> HttpServer::handleNg(const HttpRequest& request,
                                                std::string_view received, bool eof,
                                                const net::Endpoint& peer) {
    if (auto refused = checkSecret(request, peer)) {
        return refused;
    }
    if (request.header("Transfer-Encoding")) {
        return response(501, plainText,
                        "Transfer-Encoding is not supported, send Content-Length\n");
    }
    auto type = request.header("Content-Type");
    if (!type || !text::equalsIgnoreCase(mediaType(*type), ngContentType)) {
        return response(415, plainText, fmt::format("Content-Type must be {}\n", ngContentType));
    }
    bool repeated = false;
    auto lengthText = request.header("Content-Length", &repeated);
    if (!lengthText) {
        return response(411, plainText, "Content-Length required\n");
    }
    auto length = contentLength(*lengthText, maxNgBody);
    if (!length || repeated) {
        return response(400, plainText, "Bad Content-Length\n");
    }
    if (*length > maxNgBody) {
        return response(413, plainText,
                        fmt::format("ng messages are limited to {} bytes\n", maxNgBody));
    }
    if (received.size() - request.headLength < *length) {
        if (eof) {
            return response(400, plainText, "Body shorter than Content-Length\n");
        }
        return std::nullopt;  // the rest of the body is on its way
    }
    std::string_view body = received.substr(request.headLength, *length);
    std::string reply = ng_.handleDatagram(body, peer);
    if (reply.empty()) {
        if (!control::splitCookie(body)) {
            return response(400, plainText, "ng message without cookie\n");
        }
        // A retransmission whose original never produced a reply.
        return response(503, plainText, "No reply for this cookie, retry with a new one\n");
    }
    return response(200, ngContentType, reply);
}

std::optional<std::string> HttpServer::handle(std::string_view received, bool eof,
                                              bool /*overflow: heads are checked against maxHead*/,
                                              const net::Endpoint& peer) {
    HttpRequest request;
    auto status = HttpRequest::parse(received, request);
    if (status != HttpRequest::Status::malformed &&
        (status == HttpRequest::Status::incomplete ? received.size() : request.headLength) >
            maxHead) {
        log::info(Subsystem::http, "Request head from {} larger than {} bytes", peer.toString(),
                  maxHead);
        return response(431, plainText, "Request too large\n");
    }
    if (status == HttpRequest::Status::incomplete) {
        if (eof && !received.empty()) {
            return response(400, plainText, "Bad request\n");
        }
        return std::nullopt;
    }
    if (status == HttpRequest::Status::malformed) {
        log::info(Subsystem::http, "Malformed request from {}", peer.toString());
        return response(400, plainText, "Bad request\n");
    }
    if (request.path == "/ng") {
        if (request.method != "POST") {
            return response(405, plainText, "Only POST is supported\n", true, "Allow: POST\r\n");
        }
        return handleNg(request, received, eof, peer);
    }
    bool head = request.method == "HEAD";
    if (request.method != "GET" && !head) {
        return response(405, plainText, "Only GET and HEAD are supported\n", true,
                        "Allow: GET, HEAD\r\n");
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
        if (auto refused = checkSecret(request, peer)) {
            return refused;
        }
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
