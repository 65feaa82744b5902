#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/IpAddress.h"

// Helpers for the tests that load the BPF program: they need root (CAP_BPF, CAP_NET_ADMIN,
// CAP_SYS_ADMIN), which CI and the development machines have. Every name they create
// carries the process id and a counter, so parallel ctest runs never collide.
namespace rtprelay::kernel::test {

// The tc verdicts the program returns (linux/pkt_cls.h).
constexpr int kToStack = -1;  // TC_ACT_UNSPEC / TCX_NEXT
constexpr int kShot = 2;      // TC_ACT_SHOT
constexpr int kRedirect = 7;  // TC_ACT_REDIRECT

// "name-PID-N", unique within this machine while the process lives.
std::string uniqueName(const std::string& prefix);

// A directory under /sys/fs/bpf for one test's pinned maps, removed with everything below it.
class PinRoot {
public:
    PinRoot();
    ~PinRoot();
    PinRoot(const PinRoot&) = delete;
    PinRoot& operator=(const PinRoot&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

struct TestRun {
    int verdict = 0;
    std::vector<uint8_t> frame;  // the packet as the program left it
};

// BPF_PROG_TEST_RUN of `programFd` on `frame`; gsoSegments > 0 marks it as a GRO aggregate.
TestRun testRun(int programFd, const std::vector<uint8_t>& frame, uint32_t gsoSegments = 0);

// Runs a shell command; throws std::runtime_error with its output if it exits non-zero.
void shell(const std::string& command);
// Runs a shell command and returns its standard output and error, whatever its status.
std::string shellOutput(const std::string& command);

// A network namespace made with `ip netns add` and deleted (with its devices) at the end.
class NetworkNamespace {
public:
    explicit NetworkNamespace(const std::string& prefix);
    ~NetworkNamespace();
    NetworkNamespace(const NetworkNamespace&) = delete;
    NetworkNamespace& operator=(const NetworkNamespace&) = delete;

    const std::string& name() const { return name_; }
    // `ip -n NAME ARGS`
    void ip(const std::string& arguments) const;

    // Moves the calling thread into the namespace until destroyed: sockets, ifindexes,
    // netlink and tc calls made meanwhile belong to it.
    class Inside {
    public:
        explicit Inside(const NetworkNamespace& ns);
        ~Inside();
        Inside(const Inside&) = delete;
        Inside& operator=(const Inside&) = delete;

    private:
        int previous_ = -1;
    };

private:
    std::string name_;
};

// A UDP socket bound to `local` in the calling thread's namespace, with a receive timeout.
class UdpSocket {
public:
    explicit UdpSocket(const net::Endpoint& local);
    ~UdpSocket();
    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;

    void sendTo(const net::Endpoint& destination, const std::vector<uint8_t>& payload) const;
    // One datagram within `timeoutMs`, with its source; false on timeout.
    bool receive(std::vector<uint8_t>& payload, net::Endpoint& source, int timeoutMs) const;
    int fd() const { return fd_; }

private:
    int fd_ = -1;
};

}  // namespace rtprelay::kernel::test
