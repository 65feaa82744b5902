// rtprelay-ctl [-ip ADDR[:PORT]] [-port PORT] COMMAND...
//
// Sends one command line to rtprelayd's CLI socket (`listen-cli`) and prints the answer, as
// rtpengine-ctl does. Exit status 1 when the daemon cannot be reached or answers an error.

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "common/IpAddress.h"
#include "config/IniFile.h"
#include "config/ListenSpec.h"
#include "ops/CliAnswer.h"

namespace {

using rtprelay::net::Endpoint;
using rtprelay::net::IpAddress;

constexpr int timeoutMs = 3000;  // rtpengine-ctl's socket timeouts
constexpr uint16_t defaultPort = 9900;
const char* const configFiles[] = {"/etc/rtprelay/rtprelay.conf", "/etc/rtpengine/rtpengine.conf"};

const char* const usageText =
    "Usage: rtprelay-ctl [-ip ADDR[:PORT]] [-port PORT] COMMAND...\n"
    "\n"
    "Sends COMMAND to rtprelayd's CLI socket (listen-cli) and prints the answer.\n"
    "Default address: listen-cli from /etc/rtprelay/rtprelay.conf, else\n"
    "/etc/rtpengine/rtpengine.conf, else 127.0.0.1:9900.\n"
    "\n"
    "Commands (`rtprelay-ctl usage` asks the daemon for the full list):\n"
    "  list numsessions | sessions all|own|foreign|N|CALLID | session CALLID | totals |\n"
    "       counters | interfaces | jsonstats | kernel | maxsessions | maxopenfiles |\n"
    "       timeout | silenttimeout | finaltimeout | offertimeout | deletedelay | loglevel\n"
    "  set maxsessions|timeout|silenttimeout|finaltimeout|offertimeout|deletedelay|loglevel N\n"
    "  params start|current|diff|revert\n"
    "  terminate CALLID|all|own|foreign\n"
    "  usage\n";

int fail(const std::string& message) {
    std::fprintf(stderr, "rtprelay-ctl: %s\n", message.c_str());
    return 1;
}

// A wildcard listener is reached on loopback.
Endpoint reachable(const Endpoint& e) {
    if (e.address().isAny()) {
        return Endpoint(IpAddress::loopback(e.address().family()), e.port());
    }
    return e;
}

// `listen-cli` of the first configuration file that has one ([rtpengine] section).
std::optional<Endpoint> configuredEndpoint() {
    using rtprelay::config::IniFile;
    using rtprelay::config::ListenSpec;
    for (const char* path : configFiles) {
        if (::access(path, R_OK) != 0) {
            continue;
        }
        auto text = IniFile::readText(path);
        if (!text) {
            continue;
        }
        auto ini = IniFile::parse(*text);
        if (!ini) {
            continue;
        }
        std::optional<Endpoint> found;
        for (const auto& entry : ini->entries()) {
            if (entry.section != "rtpengine" || entry.key != "listen-cli" || !entry.hasValue) {
                continue;
            }
            for (const auto& element : IniFile::splitList(entry.rawValue)) {
                auto endpoints = ListenSpec::parse(element);
                if (endpoints && !endpoints->empty()) {
                    found = reachable(endpoints->front());  // the last line wins, as in GLib
                    break;
                }
            }
        }
        if (found) {
            return found;
        }
    }
    return std::nullopt;
}

std::optional<uint16_t> parsePort(const std::string& text) {
    if (text.empty() || text.size() > 5 ||
        text.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    unsigned long v = std::stoul(text);
    if (v == 0 || v > 65535) {
        return std::nullopt;
    }
    return static_cast<uint16_t>(v);
}

// ADDR, ADDR:PORT, [V6] or [V6]:PORT; ADDR may be a host name.
std::optional<Endpoint> parseTarget(std::string text, uint16_t port) {
    if (auto address = IpAddress::parse(text)) {  // a bare address, IPv6 included
        return Endpoint(*address, port);
    }
    if (!text.empty() && text.front() == '[' && text.back() == ']') {
        text += ":" + std::to_string(port);
    } else if (text.find(':') == std::string::npos) {
        text += ":" + std::to_string(port);
    }
    auto parsed = rtprelay::config::ListenSpec::parseDestination(text);
    if (!parsed) {
        return std::nullopt;
    }
    return reachable(*parsed);
}

bool waitFor(int fd, short events) {
    pollfd p{fd, events, 0};
    for (;;) {
        int n = ::poll(&p, 1, timeoutMs);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        return n > 0;
    }
}

int connectTo(const Endpoint& target, std::string& error) {
    int family = target.address().isV4() ? AF_INET : AF_INET6;
    int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::strerror(errno);
        return -1;
    }
    sockaddr_storage ss;
    socklen_t len = target.toSockaddr(ss);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
        error = std::strerror(errno);
        ::close(fd);
        return -1;
    }
    if (!waitFor(fd, POLLOUT)) {
        error = "timed out";
        ::close(fd);
        return -1;
    }
    int soError = 0;
    socklen_t soLen = sizeof soError;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &soLen);
    if (soError != 0) {
        error = std::strerror(soError);
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<std::string> ip;
    std::optional<uint16_t> port;
    std::vector<std::string> words;
    bool options = true;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (options && arg == "--") {
            options = false;
            continue;
        }
        // rtpengine-ctl takes -ip/--ip and -port/--port, with the value apart or after '='.
        std::string name = arg;
        std::optional<std::string> value;
        if (options && arg.size() > 1 && arg[0] == '-') {
            name = arg.substr(arg.rfind("--", 0) == 0 ? 2 : 1);
            if (size_t eq = name.find('='); eq != std::string::npos) {
                value = name.substr(eq + 1);
                name.resize(eq);
            }
        }
        if (options && arg[0] == '-' && (name == "h" || name == "help")) {
            std::fputs(usageText, stdout);
            return 0;
        }
        if (options && arg[0] == '-' && (name == "ip" || name == "port")) {
            if (!value) {
                if (i + 1 >= argc) {
                    return fail("option -" + name + " needs a value");
                }
                value = argv[++i];
            }
            if (name == "ip") {
                ip = *value;
            } else if (!(port = parsePort(*value))) {
                return fail("invalid port '" + *value + "'");
            }
            continue;
        }
        // The command starts here; its words may look like options ("set maxsessions -1").
        options = false;
        words.push_back(arg);
    }
    if (words.empty()) {
        std::fputs(usageText, stderr);
        return 1;
    }

    std::optional<Endpoint> target;
    if (ip) {
        // A port in -ip wins over -port.
        target = parseTarget(*ip, port.value_or(defaultPort));
        if (!target) {
            return fail("invalid address '" + *ip + "'");
        }
    } else {
        target = configuredEndpoint();
        if (!target) {
            target = Endpoint(IpAddress::loopback(rtprelay::net::Family::ipv4), defaultPort);
        }
        if (port) {
            target = Endpoint(target->address(), *port);
        }
    }

    std::string line;
    for (const auto& w : words) {
        line += (line.empty() ? "" : " ") + w;
    }
    if (line.find('\n') != std::string::npos) {
        return fail("the command must be one line");
    }
    line += '\n';

    std::string error;
    int fd = connectTo(*target, error);
    if (fd < 0) {
        return fail("cannot connect to " + target->toString() + ": " + error +
                    " (is rtprelayd running with listen-cli set to this address?)");
    }
    size_t sent = 0;
    while (sent < line.size()) {
        ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!waitFor(fd, POLLOUT)) {
                ::close(fd);
                return fail("sending to " + target->toString() + " timed out");
            }
        } else {
            std::string why = std::strerror(errno);
            ::close(fd);
            return fail("sending to " + target->toString() + " failed: " + why);
        }
    }
    std::string answer;
    char chunk[16384];
    for (;;) {
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n > 0) {
            answer.append(chunk, static_cast<size_t>(n));
            continue;
        }
        if (n == 0) {
            break;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!waitFor(fd, POLLIN)) {
                ::close(fd);
                return fail("no answer from " + target->toString() + " within 3 s");
            }
            continue;
        }
        std::string why = std::strerror(errno);
        ::close(fd);
        return fail("reading from " + target->toString() + " failed: " + why);
    }
    ::close(fd);
    if (answer.empty()) {
        return fail(target->toString() + " closed the connection without an answer");
    }
    bool isError = rtprelay::ops::isErrorAnswer(answer);
    std::fwrite(answer.data(), 1, answer.size(), isError ? stderr : stdout);
    return isError ? 1 : 0;
}
