#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/AddressResolver.h"
#include "config/ConfigLoader.h"
#include "unit/config/TempDir.h"

using rtprelay::config::Config;
using rtprelay::config::ConfigLoader;
using rtprelay::config::LoadResult;
using rtprelay::config::test::TempDir;

namespace {

using Strings = std::vector<std::string>;

std::string readSeed(const std::string& name) {
    std::ifstream in(std::string(RTPRELAY_SHARED_DIR) + "/testdata/" + name);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
        text.replace(at, from.size(), to);
        at += to.size();
    }
    return text;
}

// Turns "# key" / "# key = value" back into settings, leaving prose comments alone.
std::string uncommentSettings(const std::string& text) {
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("# ", 0) == 0) {
            std::string rest = line.substr(2);
            std::string key = rest.substr(0, rest.find(" = "));
            bool isKey =
                !key.empty() && key.front() >= 'a' && key.front() <= 'z' &&
                key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
            if (isKey) {
                line = rest;
            }
        }
        out += line + "\n";
    }
    return out;
}

class SeedConfig : public ::testing::Test {
protected:
    // Loads seed `name` with PUBLIC_IP replaced by `address`, optionally uncommented.
    Config load(const std::string& name, const std::string& address, bool uncomment) {
        std::string text = readSeed(name);
        EXPECT_NE(text.find("PUBLIC_IP"), std::string::npos) << "seed " << name << " not found";
        text = replaceAll(text, "PUBLIC_IP", address);
        if (uncomment) {
            text = uncommentSettings(text);
        }
        path_ = dir_.write(name, text);
        LoadResult result =
            ConfigLoader(std::vector<std::string>{}).load({"rtprelayd", "--config-file=" + path_});
        EXPECT_EQ(result.error, "");
        EXPECT_TRUE(result.warnings.empty());
        return result.config.value_or(Config{});
    }

    void expectCommonValues(const Config& c, const std::string& address) {
        EXPECT_EQ(c.configFile, path_);
        EXPECT_EQ(c.configSection, "rtpengine");
        ASSERT_EQ(c.interfaces.size(), 1u);
        EXPECT_EQ(c.interfaces[0].name, "pub");
        EXPECT_EQ(c.interfaces[0].local.toString(), address);
        EXPECT_EQ(c.interfaces[0].advertised.toString(), address);
        ASSERT_EQ(c.listenNg.size(), 1u);
        EXPECT_EQ(c.listenNg[0].toString(), "127.0.0.1:2223");
        EXPECT_TRUE(c.listenTcpNg.empty());
        EXPECT_EQ(c.portMin, 10000);
        EXPECT_EQ(c.timeout, 60);
        EXPECT_EQ(c.finalTimeout, 7200);
        EXPECT_EQ(c.offerTimeout, 60);
        EXPECT_EQ(c.table, 0);
        EXPECT_EQ(c.logLevel, 6);
        EXPECT_EQ(c.logFacility, "local1");
        EXPECT_EQ(c.logFacilityCdr, "local2");
        EXPECT_EQ(c.nftablesChain, "rtpengine");
        EXPECT_EQ(c.nftablesBaseChain, "input");
        EXPECT_EQ(c.deleteDelay, 30);
        EXPECT_EQ(c.endpointLearning, rtprelay::config::EndpointLearning::heuristic);
        EXPECT_EQ(c.maxSessions, -1);
        EXPECT_FALSE(c.foreground);
    }

    TempDir dir_;
    std::string path_;
};

}  // namespace

TEST_F(SeedConfig, ProductionConfigLoadsAsIs) {
    Config c = load("seed-rtpengine.conf", "127.0.0.1", false);
    expectCommonValues(c, "127.0.0.1");
    EXPECT_EQ(c.portMax, 20000);
    EXPECT_EQ(c.silentTimeout, 3600);
    EXPECT_EQ(c.numThreads, 4);
    EXPECT_FALSE(c.homer);
    EXPECT_FALSE(c.dtlsPassive);
    EXPECT_EQ(c.redis, "");
    EXPECT_EQ(c.redisDb, -1);
    EXPECT_EQ(c.recordingDir, "");
    EXPECT_EQ(c.b2bUrl, "");
    EXPECT_EQ(c.tos, 0);
    EXPECT_TRUE(c.unsupportedOptionsSet.empty());
}

TEST_F(SeedConfig, ProductionConfigWithEveryCommentedSettingEnabled) {
    Config c = load("seed-rtpengine.conf", "127.0.0.1", true);
    expectCommonValues(c, "127.0.0.1");
    EXPECT_EQ(c.portMax, 20000);
    EXPECT_TRUE(c.dtlsPassive);
    EXPECT_EQ(c.redis, "127.0.0.1:6379");
    EXPECT_EQ(c.redisDb, 0);
    EXPECT_EQ(c.recordingDir, "/var/spool/rtpengine");
    EXPECT_EQ(c.recordingMethod, "pcap");
    EXPECT_EQ(c.recordingFormat, "eth");
    EXPECT_EQ(c.b2bUrl, "http://127.0.0.1:8080");
    EXPECT_EQ(c.tos, 184);
    EXPECT_EQ(c.numThreads, 4);
    EXPECT_EQ(c.unsupportedOptionsSet,
              (Strings{"dtls-passive", "redis", "redis-db", "recording-dir", "recording-method",
                       "recording-format", "b2b-url"}));
}

TEST_F(SeedConfig, TunedConfigLoadsAsIs) {
    for (bool uncomment : {false, true}) {
        Config c = load("seed-rtpengine-tuned.conf", "127.0.0.1", uncomment);
        expectCommonValues(c, "127.0.0.1");
        EXPECT_EQ(c.numThreads, 8);
        EXPECT_EQ(c.portMax, 30000);
        EXPECT_EQ(c.silentTimeout, 1800);
        ASSERT_TRUE(c.homer);
        EXPECT_EQ(c.homer->toString(), "127.0.0.1:9060");
        EXPECT_EQ(c.homerProtocol, "udp");
        EXPECT_EQ(c.homerId, 2001);
        EXPECT_EQ(c.unsupportedOptionsSet, (Strings{"homer", "homer-protocol", "homer-id"}));
    }
}

TEST_F(SeedConfig, AnotherLocalAddressAsPublicIp) {
    auto addresses = rtprelay::config::AddressResolver::allAddresses();
    if (addresses.empty()) {
        GTEST_SKIP() << "no non-loopback address on this machine";
    }
    std::string address = addresses.front().toString();
    for (const char* seed : {"seed-rtpengine.conf", "seed-rtpengine-tuned.conf"}) {
        Config c = load(seed, address, false);
        expectCommonValues(c, address);
    }
}
