#include "protocol/DaemonProcess.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef RTPRELAYD_PATH
#error "RTPRELAYD_PATH must point at the daemon under test"
#endif

namespace rtprelay::test {

namespace {

// Binds 127.0.0.1:`port` (0: any) with a socket of `type`; the port bound, or 0.
uint16_t tryBind(int type, uint16_t port) {
    int fd = ::socket(AF_INET, type, 0);
    if (fd < 0) {
        return 0;
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(port);
    uint16_t bound = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
        socklen_t len = sizeof sa;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
        bound = ntohs(sa.sin_port);
    }
    ::close(fd);
    return bound;
}

}  // namespace

uint16_t freePort(int type) {
    // Below the kernel's ephemeral range (32768 up) and the daemons' media ranges (20000 up):
    // a port free now is then only taken again by an explicit bind, not by one of the many
    // sockets parallel tests bind to port 0 between this check and the daemon's own bind.
    static std::atomic<uint32_t> counter{0};
    uint32_t seed = static_cast<uint32_t>(::getpid()) * 2654435761u;
    for (int attempt = 0; attempt < 200; ++attempt) {
        uint32_t mix = seed + counter.fetch_add(1, std::memory_order_relaxed) * 7919u;
        auto port = static_cast<uint16_t>(10000 + mix % 10000);
        if (tryBind(type, port) == port) {
            return port;
        }
    }
    return tryBind(type, 0);
}

TempDir::TempDir() {
    std::string tmpl = std::filesystem::temp_directory_path().string() + "/rtprelay-test-XXXXXX";
    if (!::mkdtemp(tmpl.data())) {
        throw std::runtime_error("mkdtemp failed");
    }
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void TempDir::write(const std::string& name, const std::string& content) const {
    std::ofstream out(file(name), std::ios::binary | std::ios::trunc);
    out << content;
}

std::string DaemonProcess::binary() {
    return RTPRELAYD_PATH;
}

static pid_t spawn(const std::vector<std::string>& args, const std::string& logPath,
                   const std::function<void()>& inChild) {
    pid_t pid = ::fork();
    if (pid == 0) {
        if (inChild) {
            inChild();
        }
        int fd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, STDERR_FILENO);
            ::dup2(fd, STDOUT_FILENO);
        }
        int devnull = ::open("/dev/null", O_RDONLY);
        ::dup2(devnull, STDIN_FILENO);
        std::vector<char*> argv;
        std::string bin = DaemonProcess::binary();
        argv.push_back(bin.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        ::execv(bin.c_str(), argv.data());
        ::_exit(127);
    }
    return pid;
}

DaemonProcess::DaemonProcess(std::vector<std::string> args, std::string logPath,
                             std::function<void()> inChild)
    : logPath_(std::move(logPath)) {
    if (logPath_.empty()) {
        char tmpl[] = "/tmp/rtprelayd-log-XXXXXX";
        int fd = ::mkstemp(tmpl);
        ::close(fd);
        logPath_ = tmpl;
        ownLog_ = true;
    }
    pid_ = spawn(args, logPath_, inChild);
}

DaemonProcess::~DaemonProcess() {
    if (pid_ > 0 && running()) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    if (ownLog_) {
        ::unlink(logPath_.c_str());
    }
}

void DaemonProcess::signal(int sig) const {
    ::kill(pid_, sig);
}

bool DaemonProcess::running() {
    if (pid_ <= 0) {
        return false;
    }
    int status;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        pid_ = -1;
        return false;
    }
    return true;
}

std::optional<int> DaemonProcess::wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            if (WIFEXITED(status)) {
                return WEXITSTATUS(status);
            }
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
}

std::string DaemonProcess::log() const {
    std::ifstream in(logPath_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool DaemonProcess::waitForLog(const std::string& text, std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
        if (log().find(text) != std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
}

RunResult runToCompletion(std::vector<std::string> args, std::chrono::milliseconds timeout) {
    DaemonProcess p(std::move(args));
    RunResult r;
    auto status = p.wait(timeout);
    r.status = status.value_or(-1);
    r.output = p.log();
    return r;
}

}  // namespace rtprelay::test
