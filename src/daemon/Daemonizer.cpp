#include "daemon/Daemonizer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace rtprelay::daemon {

void Daemonizer::detach() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (pid > 0) {
        ::close(fds[1]);
        // The first byte says how it went: 0 = ready, anything else starts an error text.
        std::string report;
        char buf[512];
        ssize_t n;
        while ((n = ::read(fds[0], buf, sizeof buf)) != 0) {
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                break;
            }
            report.append(buf, static_cast<size_t>(n));
        }
        if (!report.empty() && report[0] == '\0') {
            std::_Exit(0);
        }
        if (report.empty()) {
            std::fputs("rtprelayd: daemon exited during start-up\n", stderr);
        } else {
            std::fprintf(stderr, "%s\n", report.c_str());
        }
        std::_Exit(1);
    }
    ::close(fds[0]);
    pipeFd_ = fds[1];
    ::setsid();
    ::umask(022);
    if (::chdir("/") != 0) {
        // Not fatal: relative paths were resolved before detaching.
    }
}

void Daemonizer::ready() {
    if (pipeFd_ < 0) {
        return;
    }
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        ::dup2(null, STDIN_FILENO);
        ::dup2(null, STDOUT_FILENO);
        ::dup2(null, STDERR_FILENO);
        ::close(null);
    }
    char ok = '\0';
    [[maybe_unused]] ssize_t n = ::write(pipeFd_, &ok, 1);
    ::close(pipeFd_);
    pipeFd_ = -1;
}

void Daemonizer::fail(const std::string& message) {
    if (pipeFd_ < 0) {
        return;
    }
    std::string text = message.empty() ? std::string("start-up failed") : message;
    if (text[0] == '\0') {
        text[0] = '?';
    }
    [[maybe_unused]] ssize_t n = ::write(pipeFd_, text.data(), text.size());
    ::close(pipeFd_);
    pipeFd_ = -1;
}

}  // namespace rtprelay::daemon
