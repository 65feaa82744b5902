#include "protocol/HttpClient.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace rtprelay::test {

using namespace std::chrono_literals;

std::optional<std::string> readUntilClosed(int fd, std::chrono::milliseconds timeout) {
    std::string out;
    char buf[16384];
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                return std::nullopt;
            }
            continue;
        }
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            return out;
        }
        out.append(buf, static_cast<size_t>(n));
    }
}

std::optional<std::string> tcpExchange(uint16_t port, const std::string& bytes, bool halfClose) {
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
    while (sent < bytes.size()) {
        ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            break;  // the server may close early (over-long line); read what it said
        }
        sent += static_cast<size_t>(n);
    }
    if (halfClose) {
        ::shutdown(fd, SHUT_WR);
    }
    auto out = readUntilClosed(fd, 10s);
    ::close(fd);
    return out;
}

std::optional<HttpResponse> httpExchange(uint16_t port, const std::string& request,
                                         bool halfClose) {
    auto answer = tcpExchange(port, request, halfClose);
    if (!answer) {
        return std::nullopt;
    }
    const std::string& raw = *answer;
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
