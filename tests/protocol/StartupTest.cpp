#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "protocol/DaemonFixture.h"

namespace rtprelay::test {
namespace {

using namespace std::chrono_literals;

std::string seedConfig(const std::string& name, uint16_t port) {
    std::ifstream in(std::string(RTPRELAY_SHARED_DIR) + "/testdata/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    text = std::regex_replace(text, std::regex("PUBLIC_IP"), "127.0.0.1");
    text = std::regex_replace(text, std::regex("127\\.0\\.0\\.1:2223"),
                              "127.0.0.1:" + std::to_string(port));
    return text;
}

size_t lineCount(const std::string& s) {
    size_t n = 0;
    for (char c : s) {
        n += c == '\n';
    }
    return n;
}

class SeedConfig : public ::testing::TestWithParam<const char*> {};

TEST_P(SeedConfig, StartsAnswersPingAndNamesOnlyWhatIsNotBuiltYet) {
    TempDir dir;
    uint16_t port = freePort(SOCK_DGRAM);
    dir.write("rtpengine.conf", seedConfig(GetParam(), port));
    // The seed's `table = 0` would load the eBPF program and change nftables on the test
    // machine itself; the kernel path is tested in network namespaces (tests/e2e), so the
    // command line keeps this run in userspace (and shows that it overrides the file).
    DaemonProcess d({"--config-file=" + dir.file("rtpengine.conf"), "-f", "-E", "--table=-1"});
    net::Endpoint server(net::IpAddress::loopback(net::Family::ipv4), port);
    ASSERT_TRUE(waitForPong(server, 5s)) << d.log();
    std::string log = d.log();
    EXPECT_NE(log.find("table = -1: relaying in userspace only"), std::string::npos) << log;
    for (const char* option : {"table", "nftables-chain", "nftables-base-chain", "log-facility-cdr",
                               "num-threads", "delete-delay"}) {
        EXPECT_EQ(log.find(std::string("option ") + option + " is not supported yet"),
                  std::string::npos)
            << option << "\n"
            << log;
    }
    if (std::string(GetParam()) == "seed-rtpengine-tuned.conf") {
        EXPECT_NE(log.find("option homer is not supported yet, ignored"), std::string::npos) << log;
    }
    EXPECT_EQ(log.find("unknown option"), std::string::npos) << log;
}

INSTANTIATE_TEST_SUITE_P(Seeds, SeedConfig,
                         ::testing::Values("seed-rtpengine.conf", "seed-rtpengine-tuned.conf"));

struct InvalidCase {
    const char* name;
    std::string config;
    const char* message;
};

TEST(Startup, InvalidValuesStopTheStartWithOneLineNamingOptionAndValue) {
    const std::vector<InvalidCase> cases = {
        {"port range", "port-min = 40000\nport-max = 30000\n", "port-min"},
        {"not an integer", "timeout = soon\n", "'soon'"},
        {"negative timeout", "silent-timeout = -5\n", "silent-timeout"},
        {"bad facility", "log-facility = local9\n", "local9"},
        {"bad interface", "interface = pub/300.1.1.1\n", "300.1.1.1"},
    };
    for (const auto& c : cases) {
        TempDir dir;
        dir.write("rtpengine.conf", "[rtpengine]\ninterface = 127.0.0.1\nlisten-ng = 127.0.0.1:" +
                                        std::to_string(freePort(SOCK_DGRAM)) + "\n" + c.config);
        auto r = runToCompletion({"--config-file=" + dir.file("rtpengine.conf"), "-f", "-E"}, 5s);
        EXPECT_EQ(r.status, 1) << c.name << ": " << r.output;
        EXPECT_EQ(lineCount(r.output), 1u) << c.name << ": " << r.output;
        EXPECT_NE(r.output.find(c.message), std::string::npos) << c.name << ": " << r.output;
    }
}

TEST(Startup, MissingExplicitConfigFileFails) {
    auto r = runToCompletion({"--config-file=/nonexistent/rtpengine.conf", "-f"}, 5s);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("/nonexistent/rtpengine.conf"), std::string::npos) << r.output;
}

TEST(Startup, UnknownKeyIsAWarningWithItsLine) {
    TempDir dir;
    uint16_t port = freePort(SOCK_DGRAM);
    dir.write("rtpengine.conf", "[rtpengine]\ninterface = 127.0.0.1\nlisten-ng = 127.0.0.1:" +
                                    std::to_string(port) + "\nfrobnicate = yes\n");
    DaemonProcess d({"--config-file=" + dir.file("rtpengine.conf"), "-f", "-E"});
    net::Endpoint server(net::IpAddress::loopback(net::Family::ipv4), port);
    ASSERT_TRUE(waitForPong(server, 5s)) << d.log();
    EXPECT_NE(d.log().find("frobnicate"), std::string::npos) << d.log();
    EXPECT_NE(d.log().find(":4"), std::string::npos) << d.log();
}

TEST(Startup, ConfigSectionSelectsAnotherSection) {
    TempDir dir;
    uint16_t port = freePort(SOCK_DGRAM);
    dir.write("rtprelay.conf",
              "[rtpengine]\nlisten-ng = 127.0.0.1:1\n[rtprelay]\ninterface = "
              "127.0.0.1\nlisten-ng = 127.0.0.1:" +
                  std::to_string(port) + "\n");
    DaemonProcess d(
        {"--config-file=" + dir.file("rtprelay.conf"), "--config-section=rtprelay", "-f", "-E"});
    net::Endpoint server(net::IpAddress::loopback(net::Family::ipv4), port);
    EXPECT_TRUE(waitForPong(server, 5s)) << d.log();
}

TEST(Startup, VersionPrintsAndExits) {
    auto r = runToCompletion({"--version"}, 5s);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.output.find("rtprelayd"), std::string::npos);
}

}  // namespace
}  // namespace rtprelay::test
