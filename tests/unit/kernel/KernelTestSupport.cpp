#include "unit/kernel/KernelTestSupport.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <ftw.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace rtprelay::kernel::test {

std::string uniqueName(const std::string& prefix) {
    static std::atomic<int> counter{0};
    return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

PinRoot::PinRoot() : path_("/sys/fs/bpf/" + uniqueName("rtprelay-test")) {}

PinRoot::~PinRoot() {
    // Whatever a failed test left: pinned maps and links first, then the directories.
    nftw(
        path_.c_str(),
        [](const char* path, const struct stat*, int type, FTW*) {
            if (type == FTW_DP) {
                rmdir(path);
            } else {
                unlink(path);
            }
            return 0;
        },
        16, FTW_DEPTH | FTW_PHYS);
}

TestRun testRun(int programFd, const std::vector<uint8_t>& frame, uint32_t gsoSegments) {
    TestRun run;
    run.frame.resize(frame.size() + 256);
    __sk_buff context{};
    if (gsoSegments > 0) {
        context.gso_segs = gsoSegments;
        context.gso_size = static_cast<uint32_t>(frame.size());
    }
    bpf_test_run_opts opts{};
    opts.sz = sizeof(opts);
    opts.data_in = frame.data();
    opts.data_size_in = static_cast<uint32_t>(frame.size());
    opts.data_out = run.frame.data();
    opts.data_size_out = static_cast<uint32_t>(run.frame.size());
    opts.ctx_in = &context;
    opts.ctx_size_in = sizeof(context);
    opts.repeat = 1;
    if (int err = bpf_prog_test_run_opts(programFd, &opts); err != 0) {
        throw std::runtime_error("BPF_PROG_TEST_RUN of a " + std::to_string(frame.size()) +
                                 "-byte frame: " + std::strerror(-err));
    }
    run.verdict = static_cast<int>(opts.retval);
    run.frame.resize(opts.data_size_out);
    return run;
}

namespace {

int runShell(const std::string& command, std::string& output) {
    std::string withOutput = command + " 2>&1";
    FILE* pipe = popen(withOutput.c_str(), "r");
    if (!pipe) {
        throw std::runtime_error("cannot run: " + command);
    }
    std::array<char, 256> buffer{};
    while (fgets(buffer.data(), buffer.size(), pipe)) {
        output += buffer.data();
    }
    return pclose(pipe);
}

}  // namespace

void shell(const std::string& command) {
    std::string output;
    if (runShell(command, output) != 0) {
        throw std::runtime_error("failed: " + command + "\n" + output);
    }
}

std::string shellOutput(const std::string& command) {
    std::string output;
    runShell(command, output);
    return output;
}

NetworkNamespace::NetworkNamespace(const std::string& prefix) : name_(uniqueName(prefix)) {
    shell("ip netns add " + name_);
    ip("link set lo up");
}

NetworkNamespace::~NetworkNamespace() {
    std::string command = "ip netns del " + name_ + " 2>/dev/null";
    if (std::system(command.c_str()) != 0) {
        ADD_FAILURE() << "could not delete network namespace " << name_;
    }
}

void NetworkNamespace::ip(const std::string& arguments) const {
    shell("ip -n " + name_ + " " + arguments);
}

NetworkNamespace::Inside::Inside(const NetworkNamespace& ns) {
    previous_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int target = open(("/var/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC);
    if (previous_ < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
        int err = errno;
        if (target >= 0) {
            close(target);
        }
        throw std::runtime_error("entering network namespace " + ns.name() + ": " +
                                 std::strerror(err));
    }
    close(target);
}

NetworkNamespace::Inside::~Inside() {
    if (setns(previous_, CLONE_NEWNET) != 0) {
        ADD_FAILURE() << "could not return to the original network namespace";
    }
    close(previous_);
}

UdpSocket::UdpSocket(const net::Endpoint& local) {
    fd_ = socket(local.address().isV4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_storage address{};
    socklen_t length = local.toSockaddr(address);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0) {
        throw std::runtime_error("binding " + local.toString() + ": " + std::strerror(errno));
    }
}

UdpSocket::~UdpSocket() {
    if (fd_ >= 0) {
        close(fd_);
    }
}

void UdpSocket::sendTo(const net::Endpoint& destination,
                       const std::vector<uint8_t>& payload) const {
    sockaddr_storage address{};
    socklen_t length = destination.toSockaddr(address);
    ssize_t sent = sendto(fd_, payload.data(), payload.size(), 0,
                          reinterpret_cast<sockaddr*>(&address), length);
    if (sent != static_cast<ssize_t>(payload.size())) {
        throw std::runtime_error("sending to " + destination.toString() + ": " +
                                 std::strerror(errno));
    }
}

bool UdpSocket::receive(std::vector<uint8_t>& payload, net::Endpoint& source, int timeoutMs) const {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeoutMs) != 1) {
        return false;
    }
    payload.resize(65536);
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    ssize_t n = recvfrom(fd_, payload.data(), payload.size(), MSG_DONTWAIT,
                         reinterpret_cast<sockaddr*>(&address), &length);
    if (n < 0) {
        return false;
    }
    payload.resize(static_cast<size_t>(n));
    source = net::Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&address), length)
                 .value_or(net::Endpoint{});
    return true;
}

}  // namespace rtprelay::kernel::test
