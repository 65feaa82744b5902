#include "protocol/HttpClient.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace rtprelay::test {

using namespace std::chrono_literals;

std::optional<HttpResponse> httpExchange(uint16_t port, const std::string& request,
                                         bool halfClose) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    size_t sent = 0;
    while (sent < request.size()) {
        ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            break;
        }
        sent += static_cast<size_t>(n);
    }
    if (halfClose) {
        ::shutdown(fd, SHUT_WR);
    }
    std::string raw;
    char buf[16384];
    auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::close(fd);
                return std::nullopt;
            }
            continue;
        }
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            break;
        }
        raw.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    size_t end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) {
        return std::nullopt;
    }
    HttpResponse r;
    r.status = std::stoi(raw.substr(9, 3));
    r.head = raw.substr(0, end + 2);
    r.body = raw.substr(end + 4);
    size_t length = r.head.find("Content-Length: ");
    if (length == std::string::npos) {
        return std::nullopt;
    }
    if (request.rfind("HEAD ", 0) != 0 && std::stoul(r.head.substr(length + 16)) != r.body.size()) {
        return std::nullopt;
    }
    return r;
}

}  // namespace rtprelay::test
