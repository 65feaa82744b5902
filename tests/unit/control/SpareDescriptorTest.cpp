#include "control/SpareDescriptor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <thread>
#include <utility>
#include <vector>

#include "SanitizerBuild.h"

namespace rtprelay::control {
namespace {

constexpr int kClients = 300;
constexpr int kAcceptThreads = 4;

// A TCP socket listening on 127.0.0.1 on a port the kernel picks, and that port; -1 on failure.
std::pair<int, uint16_t> listenOnLoopback(int extraFlags) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | extraFlags, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        ::listen(fd, 64) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        return {-1, 0};
    }
    return {fd, ntohs(sa.sin_port)};
}

// A TCP socket connected to 127.0.0.1:port; -1 on failure.
int connectToLoopback(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(port);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Connects kClients times, one after the other, and exits with the number of connections the
// server did not close within a second.
[[noreturn]] void runClients(uint16_t port, int startPipe) {
    char go;
    if (::read(startPipe, &go, 1) != 1) {
        ::_exit(100);
    }
    int leftOpen = 0;
    for (int i = 0; i < kClients; ++i) {
        int fd = connectToLoopback(port);
        if (fd < 0) {
            ::_exit(101);
        }
        pollfd p{fd, POLLIN, 0};
        char c;
        if (::poll(&p, 1, 1000) != 1 || ::recv(fd, &c, 1, 0) > 0) {
            ++leftOpen;
        }
        ::close(fd);
    }
    ::_exit(leftOpen > 99 ? 99 : leftOpen);
}

// At the open file limit, threads that all wake for the same connections (as the ng server's
// threads do on its level-triggered listener) must never accept one as an ordinary connection
// in the moment a spare is given up, and the spare must still be held afterwards.
void acceptAtTheLimitFromSeveralThreads() {
    // Plain variables: clang 14 cannot capture structured bindings in the threads' lambda.
    const auto listener = listenOnLoopback(SOCK_NONBLOCK);
    const int listenFd = listener.first;
    const uint16_t port = listener.second;
    if (listenFd < 0) {
        std::fprintf(stderr, "cannot listen\n");
        ::_exit(2);
    }
    int start[2];
    if (::pipe2(start, O_CLOEXEC) != 0) {
        ::_exit(3);
    }
    pid_t client = ::fork();
    if (client == 0) {
        // A server that dies leaves the client an EOF and a refused connect, not a wait.
        ::close(start[1]);
        ::close(listenFd);
        runClients(port, start[0]);
    }
    ::close(start[0]);

    SpareDescriptor spare(log::Subsystem::control, "test-listener");
    std::atomic<bool> go{false};
    std::atomic<bool> stop{false};
    std::atomic<int> ordinary{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kAcceptThreads; ++i) {
        threads.emplace_back([&] {
            while (!go.load()) {
                std::this_thread::yield();
            }
            while (!stop.load()) {
                pollfd p{listenFd, POLLIN, 0};
                if (::poll(&p, 1, 10) != 1) {
                    continue;
                }
                sockaddr_storage peer;
                socklen_t peerLength = sizeof peer;
                int fd = spare.accept(listenFd, reinterpret_cast<sockaddr*>(&peer), &peerLength,
                                      SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd >= 0) {
                    ordinary.fetch_add(1);
                    ::close(fd);
                }
            }
        });
    }
    // Lower the limit just above the descriptors in use and fill what is left.
    int highest = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    rlimit r{static_cast<rlim_t>(highest + 4), static_cast<rlim_t>(highest + 4)};
    if (::setrlimit(RLIMIT_NOFILE, &r) != 0) {
        ::_exit(4);
    }
    while (::open("/dev/null", O_RDONLY | O_CLOEXEC) >= 0) {
    }
    if (errno != EMFILE || !spare.holdsSpare()) {
        std::fprintf(stderr, "cannot reach the limit\n");
        ::_exit(5);
    }

    go.store(true);
    if (::write(start[1], "g", 1) != 1) {
        ::_exit(6);
    }
    int status = 0;
    ::waitpid(client, &status, 0);
    stop.store(true);
    for (auto& t : threads) {
        t.join();
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "client: %d connection(s) left open (status %d)\n",
                     WEXITSTATUS(status), status);
        ::_exit(7);
    }
    if (ordinary.load() != 0) {
        std::fprintf(stderr, "%d connection(s) accepted as ordinary ones\n", ordinary.load());
        ::_exit(8);
    }
    if (!spare.holdsSpare() || ::open("/dev/null", O_RDONLY | O_CLOEXEC) >= 0) {
        std::fprintf(stderr, "the spare was lost\n");
        ::_exit(9);
    }
    ::_exit(0);
}

TEST(SpareDescriptorDeathTest, AtTheLimitEveryConnectionIsClosedAndTheSpareKeptUnderRacingThreads) {
    if (kSanitizerBuild) {
        GTEST_SKIP() << "the sanitizer runtimes need descriptors at the file limit";
    }
    // In a child of its own: the lowered file limit must not reach the rest of the tests.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(acceptAtTheLimitFromSeveralThreads(), ::testing::ExitedWithCode(0), "");
}

TEST(SpareDescriptor, BelowTheLimitAcceptsOrdinaryConnections) {
    auto [listenFd, port] = listenOnLoopback(0);
    ASSERT_GE(listenFd, 0);
    int client = connectToLoopback(port);
    ASSERT_GE(client, 0);

    SpareDescriptor spare(log::Subsystem::control, "test-listener");
    EXPECT_TRUE(spare.holdsSpare());
    sockaddr_storage peer;
    socklen_t peerLength = sizeof peer;
    int fd = spare.accept(listenFd, reinterpret_cast<sockaddr*>(&peer), &peerLength, SOCK_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(::send(fd, "x", 1, 0), 1);
    char c = 0;
    EXPECT_EQ(::recv(client, &c, 1, 0), 1);
    EXPECT_EQ(c, 'x');
    EXPECT_TRUE(spare.holdsSpare());
    ::close(fd);
    ::close(client);
    ::close(listenFd);
}

}  // namespace
}  // namespace rtprelay::control
