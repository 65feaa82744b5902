#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "protocol/DaemonFixture.h"

namespace rtprelay::test {
namespace {

using namespace std::chrono_literals;

std::string configText(uint16_t port, int logLevel, const std::string& extra = "") {
    return "[rtpengine]\ninterface = 127.0.0.1\nlisten-ng = 127.0.0.1:" + std::to_string(port) +
           "\nlog-level = " + std::to_string(logLevel) + "\n" + extra;
}

net::Endpoint loopback(uint16_t port) {
    return net::Endpoint(net::IpAddress::loopback(net::Family::ipv4), port);
}

std::optional<int> waitChild(pid_t pid, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            return WIFEXITED(status) ? std::optional<int>(WEXITSTATUS(status)) : std::nullopt;
        }
        std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return s;
}

TEST(Lifecycle, DaemonizedStartWritesPidFileOnlyWhenServingAndStopsOnSigterm) {
    // Become the daemon's reaper so its exit status can be checked after it detaches.
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    TempDir dir;
    uint16_t port = freePort(SOCK_DGRAM);
    dir.write("rtpengine.conf", configText(port, 6));
    std::string pidPath = dir.file("rtprelay.pid");

    DaemonProcess launcher({"--config-file=" + dir.file("rtpengine.conf"), "--pidfile", pidPath});
    ASSERT_EQ(launcher.wait(5s), 0) << launcher.log();
    // The launcher exits only once the daemon is ready: the pid file exists and ng answers
    // at once (no polling).
    ASSERT_TRUE(std::filesystem::exists(pidPath));
    pid_t pid = std::stoi(readFile(pidPath));
    ASSERT_GT(pid, 1);
    NgUdpClient client(loopback(port));
    auto reply = client.request(command("ping"), 500ms);
    ASSERT_TRUE(reply);
    EXPECT_EQ(resultOf(*reply), "pong");

    auto before = std::chrono::steady_clock::now();
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    EXPECT_EQ(waitChild(pid, 5s), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
    EXPECT_FALSE(std::filesystem::exists(pidPath));
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST(Lifecycle, FailedStartReportsThroughTheLauncherAndWritesNoPidFile) {
    TempDir dir;
    // Occupy the port so binding fails after the daemon detached.
    int blocker = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_storage ss;
    auto endpoint = loopback(0);
    socklen_t len = endpoint.toSockaddr(ss);
    ASSERT_EQ(::bind(blocker, reinterpret_cast<sockaddr*>(&ss), len), 0);
    ::getsockname(blocker, reinterpret_cast<sockaddr*>(&ss), &len);
    uint16_t port = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    dir.write("rtpengine.conf", configText(port, 6));
    std::string pidPath = dir.file("rtprelay.pid");

    DaemonProcess launcher({"--config-file=" + dir.file("rtpengine.conf"), "-p", pidPath});
    EXPECT_EQ(launcher.wait(5s), 1);
    EXPECT_NE(launcher.log().find("cannot bind listen-ng 127.0.0.1:" + std::to_string(port) +
                                  ": Address already in use"),
              std::string::npos)
        << launcher.log();
    EXPECT_FALSE(std::filesystem::exists(pidPath));
    ::close(blocker);
}

TEST(Lifecycle, SigtermAndSigintExitZeroWithinFiveSeconds) {
    for (int sig : {SIGTERM, SIGINT}) {
        uint16_t port = freePort(SOCK_DGRAM);
        DaemonProcess d({"--config-file=none", "-f", "-E", "-i", "127.0.0.1", "-n",
                         "127.0.0.1:" + std::to_string(port)});
        ASSERT_TRUE(waitForPong(loopback(port), 5s)) << d.log();
        auto before = std::chrono::steady_clock::now();
        d.signal(sig);
        EXPECT_EQ(d.wait(5s), 0) << d.log();
        EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
        EXPECT_NE(d.log().find("shutting down"), std::string::npos);
    }
}

TEST(Lifecycle, SighupReloadsLogLevelAndReportsRestartOnlyOptions) {
    TempDir dir;
    uint16_t port = freePort(SOCK_DGRAM);
    std::string conf = dir.file("rtpengine.conf");
    dir.write("rtpengine.conf", configText(port, 6, "port-min = 30000\n"));
    DaemonProcess d({"--config-file=" + conf, "-f", "-E", "--no-log-timestamps"});
    ASSERT_TRUE(waitForPong(loopback(port), 5s)) << d.log();

    // At level 6 a ping is not logged (it is a debug message).
    NgUdpClient client(loopback(port));
    ASSERT_TRUE(client.request(command("ping")));
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(d.log().find("Received command 'ping'"), std::string::npos);

    dir.write("rtpengine.conf", configText(port, 7, "port-min = 31000\ntimeout = 90\n"));
    d.signal(SIGHUP);
    ASSERT_TRUE(d.waitForLog("Reload: log-level changed from '6' to '7'", 5s)) << d.log();
    EXPECT_TRUE(d.waitForLog("Reload: timeout changed from '60' to '90'", 1s));
    EXPECT_TRUE(
        d.waitForLog("Reload: port-min changed from '30000' to '31000', takes effect after a "
                     "restart",
                     1s));
    ASSERT_TRUE(client.request(command("ping")));
    EXPECT_TRUE(d.waitForLog("Received command 'ping'", 2s)) << d.log();

    // A broken file on reload keeps the running configuration and the service.
    dir.write("rtpengine.conf", configText(port, 7, "port-min = banana\n"));
    d.signal(SIGHUP);
    EXPECT_TRUE(d.waitForLog("Reload failed, keeping the running configuration", 5s)) << d.log();
    ASSERT_TRUE(client.request(command("ping")));
    EXPECT_TRUE(d.running());
}

TEST(Lifecycle, Sigusr2RaisesAndSigusr1LowersTheLogLevel) {
    uint16_t port = freePort(SOCK_DGRAM);
    DaemonProcess d({"--config-file=none", "-f", "-E", "-i", "127.0.0.1", "-n",
                     "127.0.0.1:" + std::to_string(port), "-L", "6"});
    ASSERT_TRUE(waitForPong(loopback(port), 5s));
    d.signal(SIGUSR2);
    EXPECT_TRUE(d.waitForLog("log-level is now 7", 3s)) << d.log();
    // Standard signals do not queue: wait for each before sending the next.
    d.signal(SIGUSR1);
    EXPECT_TRUE(d.waitForLog("log-level is now 6", 3s)) << d.log();
    d.signal(SIGUSR1);
    EXPECT_TRUE(d.waitForLog("log-level is now 5", 3s)) << d.log();
}

TEST(Lifecycle, NotifiesSystemdReadyAndStopping) {
    TempDir dir;
    std::string socketPath = dir.file("notify.sock");
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, socketPath.c_str(), sizeof sa.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    uint16_t port = freePort(SOCK_DGRAM);
    ::setenv("NOTIFY_SOCKET", socketPath.c_str(), 1);
    DaemonProcess d({"--config-file=none", "-f", "-E", "-i", "127.0.0.1", "-n",
                     "127.0.0.1:" + std::to_string(port)});
    ::unsetenv("NOTIFY_SOCKET");

    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
    ASSERT_GT(n, 0);
    std::string ready(buf, static_cast<size_t>(n));
    EXPECT_NE(ready.find("READY=1"), std::string::npos) << ready;
    // READY is sent only once ng is being served.
    NgUdpClient client(loopback(port));
    ASSERT_TRUE(client.request(command("ping"), 500ms));

    d.signal(SIGTERM);
    n = ::recv(fd, buf, sizeof buf - 1, 0);
    ASSERT_GT(n, 0);
    EXPECT_NE(std::string(buf, static_cast<size_t>(n)).find("STOPPING=1"), std::string::npos);
    EXPECT_EQ(d.wait(5s), 0);
    ::close(fd);
}

}  // namespace
}  // namespace rtprelay::test
