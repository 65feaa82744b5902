#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "config/AddressResolver.h"
#include "config/ConfigLoader.h"
#include "unit/config/TempDir.h"

using rtprelay::config::Config;
using rtprelay::config::ConfigLoader;
using rtprelay::config::EndpointLearning;
using rtprelay::config::LoadResult;
using rtprelay::config::test::TempDir;
using rtprelay::net::Endpoint;
using rtprelay::net::IpAddress;

namespace {

using Args = std::vector<std::string>;

// Never looks at /etc: no default files.
LoadResult run(const Args& args) {
    return ConfigLoader(std::vector<std::string>{}).load(args);
}

// A valid minimal command line followed by `extra`.
Args minimal(const Args& extra) {
    Args args{"rtprelayd", "--config-file=none", "-i", "127.0.0.1", "-n", "2223"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

Config loaded(const Args& args) {
    LoadResult result = run(args);
    EXPECT_EQ(result.error, "");
    EXPECT_FALSE(result.exitNow);
    if (!result.config) {
        ADD_FAILURE() << "no config";
        return Config{};
    }
    return *result.config;
}

std::string errorOf(const Args& args) {
    LoadResult result = run(args);
    EXPECT_FALSE(result.config.has_value());
    return result.error;
}

std::vector<std::string> interfaceStrings(const Config& config) {
    std::vector<std::string> out;
    for (const auto& i : config.interfaces) {
        std::string text = i.name + "/" + i.local.toString();
        if (!(i.advertised == i.local)) {
            text += "!" + i.advertised.toString();
        }
        out.push_back(text);
    }
    return out;
}

std::vector<std::string> endpointStrings(const std::vector<Endpoint>& endpoints) {
    std::vector<std::string> out;
    for (const Endpoint& e : endpoints) {
        out.push_back(e.toString());
    }
    return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST(ConfigLoader, DefaultsAreRtpengineCodeDefaults) {
    LoadResult result = rtprelay::config::load(
        {"rtprelayd", "--config-file=none", "-i", "127.0.0.1", "-n", "2223"});
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_TRUE(result.warnings.empty());
    const Config& c = *result.config;
    EXPECT_EQ(c.configFile, "");
    EXPECT_EQ(c.configSection, "rtpengine");
    EXPECT_FALSE(c.foreground);
    EXPECT_FALSE(c.logStderr);
    EXPECT_FALSE(c.noLogTimestamps);
    EXPECT_EQ(c.pidfile, "");
    EXPECT_EQ(c.logLevel, 6);
    EXPECT_EQ(c.logFacility, "daemon");
    EXPECT_EQ(c.logFacilityCdr, "");
    EXPECT_EQ(c.logName, "rtprelay");
    EXPECT_EQ(interfaceStrings(c), Strings{"default/127.0.0.1"});
    EXPECT_EQ(endpointStrings(c.listenNg), (Strings{"0.0.0.0:2223", "[::]:2223"}));
    EXPECT_TRUE(c.listenTcpNg.empty());
    EXPECT_TRUE(c.listenCli.empty());
    EXPECT_TRUE(c.listenHttp.empty());
    EXPECT_EQ(c.portMin, 30000);
    EXPECT_EQ(c.portMax, 39999);
    EXPECT_EQ(c.timeout, 60);
    EXPECT_EQ(c.silentTimeout, 3600);
    EXPECT_EQ(c.finalTimeout, 0);
    EXPECT_EQ(c.offerTimeout, 3600);
    EXPECT_EQ(c.deleteDelay, 30);
    EXPECT_EQ(c.table, -1);
    EXPECT_FALSE(c.noFallback);
    EXPECT_EQ(c.kernelTableSize, 65536);
    EXPECT_EQ(c.nftablesChain, "");
    EXPECT_EQ(c.nftablesBaseChain, "INPUT");
    EXPECT_FALSE(c.nftablesAppend);
    EXPECT_EQ(c.nftablesFamily, "ip,ip6");
    EXPECT_EQ(c.numThreads, std::max(4, static_cast<int>(std::thread::hardware_concurrency())));
    EXPECT_EQ(c.tos, 0);
    EXPECT_EQ(c.endpointLearning, EndpointLearning::heuristic);
    EXPECT_EQ(c.maxSessions, -1);
    EXPECT_FALSE(c.homer.has_value());
    EXPECT_EQ(c.homerProtocol, "udp");
    EXPECT_EQ(c.homerId, 2001);
    EXPECT_EQ(c.redis, "");
    EXPECT_EQ(c.redisDb, -1);
    EXPECT_EQ(c.recordingDir, "");
    EXPECT_EQ(c.recordingMethod, "pcap");
    EXPECT_EQ(c.recordingFormat, "raw");
    EXPECT_EQ(c.b2bUrl, "");
    EXPECT_FALSE(c.dtlsPassive);
    EXPECT_TRUE(c.unsupportedOptionsSet.empty());
}

TEST(ConfigLoader, SupportedOptionsFromTheCommandLine) {
    Config c = loaded(minimal({"-f",
                               "-E",
                               "--no-log-timestamps",
                               "-p",
                               "/run/r.pid",
                               "-L7",
                               "--log-facility=local3",
                               "--log-name=media",
                               "-N",
                               "[::1]:2224",
                               "-m",
                               "2000",
                               "-M",
                               "3000",
                               "-o",
                               "30",
                               "-s",
                               "40",
                               "-a",
                               "50",
                               "--offer-timeout",
                               "70",
                               "-d",
                               "0",
                               "--num-threads=6",
                               "--max-sessions=100"}));
    EXPECT_TRUE(c.foreground);
    EXPECT_TRUE(c.logStderr);
    EXPECT_TRUE(c.noLogTimestamps);
    EXPECT_EQ(c.pidfile, "/run/r.pid");
    EXPECT_EQ(c.logLevel, 7);
    EXPECT_EQ(c.logFacility, "local3");
    EXPECT_EQ(c.logName, "media");
    EXPECT_EQ(endpointStrings(c.listenTcpNg), Strings{"[::1]:2224"});
    EXPECT_EQ(c.portMin, 2000);
    EXPECT_EQ(c.portMax, 3000);
    EXPECT_EQ(c.timeout, 30);
    EXPECT_EQ(c.silentTimeout, 40);
    EXPECT_EQ(c.finalTimeout, 50);
    EXPECT_EQ(c.offerTimeout, 70);
    EXPECT_EQ(c.deleteDelay, 0);
    EXPECT_EQ(c.numThreads, 6);
    EXPECT_EQ(c.maxSessions, 100);
    EXPECT_TRUE(c.unsupportedOptionsSet.empty());
}

TEST(ConfigLoader, ZeroTimeoutsMeanTheDefaults) {
    Config c =
        loaded(minimal({"-o", "0", "-s", "0", "--offer-timeout=0", "-a", "0", "--num-threads=0"}));
    EXPECT_EQ(c.timeout, 60);
    EXPECT_EQ(c.silentTimeout, 3600);
    EXPECT_EQ(c.offerTimeout, 3600);
    EXPECT_EQ(c.finalTimeout, 0);
    EXPECT_EQ(c.numThreads, std::max(4, static_cast<int>(std::thread::hardware_concurrency())));
}

TEST(ConfigLoader, NftablesChainFollowsTheTableUnlessSet) {
    EXPECT_EQ(loaded(minimal({"-t", "3"})).nftablesChain, "rtpengine_3");
    EXPECT_EQ(loaded(minimal({"-t", "0", "--nftables-chain="})).nftablesChain, "");
    EXPECT_EQ(loaded(minimal({"-t", "0", "--nftables-chain=mine"})).nftablesChain, "mine");
    EXPECT_EQ(loaded(minimal({"-t", "-1"})).nftablesChain, "");
}

TEST(ConfigLoader, FieldsOfNotYetSupportedOptionsAreStored) {
    Config c = loaded(minimal({"-T",
                               "184",
                               "--endpoint-learning=delayed",
                               "-c",
                               "127.0.0.1:9900",
                               "--listen-http=2225",
                               "-F",
                               "--nftables-append",
                               "--kernel-table-size=4096",
                               "--nftables-family=ip6",
                               "--nftables-base-chain=",
                               "--homer",
                               "127.0.0.1:9060",
                               "--homer-protocol=tcp",
                               "--homer-id=7",
                               "-r",
                               "pw@127.0.0.1:6379/3",
                               "--redis-db=4",
                               "--recording-dir=/rec",
                               "--recording-method=all",
                               "--recording-format=eth",
                               "-b",
                               "http://x/",
                               "--dtls-passive",
                               "--log-facility-cdr=local4"}));
    EXPECT_EQ(c.tos, 184);
    EXPECT_EQ(c.endpointLearning, EndpointLearning::delayed);
    EXPECT_EQ(endpointStrings(c.listenCli), Strings{"127.0.0.1:9900"});
    EXPECT_EQ(endpointStrings(c.listenHttp), (Strings{"0.0.0.0:2225", "[::]:2225"}));
    EXPECT_TRUE(c.noFallback);
    EXPECT_EQ(c.kernelTableSize, 4096);
    EXPECT_TRUE(c.nftablesAppend);
    EXPECT_EQ(c.nftablesFamily, "ip6");
    EXPECT_EQ(c.nftablesBaseChain, "");
    ASSERT_TRUE(c.homer);
    EXPECT_EQ(c.homer->toString(), "127.0.0.1:9060");
    EXPECT_EQ(c.homerProtocol, "tcp");
    EXPECT_EQ(c.homerId, 7);
    EXPECT_EQ(c.redis, "pw@127.0.0.1:6379/3");
    EXPECT_EQ(c.redisDb, 4);
    EXPECT_EQ(c.recordingDir, "/rec");
    EXPECT_EQ(c.recordingMethod, "all");
    EXPECT_EQ(c.recordingFormat, "eth");
    EXPECT_EQ(c.b2bUrl, "http://x/");
    EXPECT_TRUE(c.dtlsPassive);
    EXPECT_EQ(c.logFacilityCdr, "local4");
    EXPECT_EQ(c.unsupportedOptionsSet,
              (Strings{"homer", "homer-protocol", "homer-id", "redis", "redis-db", "recording-dir",
                       "recording-method", "recording-format", "b2b-url", "dtls-passive"}));
}

TEST(ConfigLoader, NftablesFamilyAcceptsCommaLists) {
    for (const char* family : {"ip", "ip4", "ip6", "inet", "ip,ip6", "ip4,ip6"}) {
        EXPECT_EQ(loaded(minimal({std::string("--nftables-family=") + family})).nftablesFamily,
                  family);
    }
}

TEST(ConfigLoader, EndpointLearningModes) {
    EXPECT_EQ(loaded(minimal({"--endpoint-learning=immediate"})).endpointLearning,
              EndpointLearning::immediate);
    EXPECT_EQ(loaded(minimal({"--endpoint-learning=off"})).endpointLearning, EndpointLearning::off);
    EXPECT_EQ(loaded(minimal({"--endpoint-learning=heuristic"})).endpointLearning,
              EndpointLearning::heuristic);
}

TEST(ConfigLoader, UnsupportedOptionsAreListedOnceInTheOrderFirstSet) {
    TempDir dir;
    std::string path = dir.write("r.conf",
                                 "[rtpengine]\n"
                                 "interface = 127.0.0.1\n"
                                 "listen-ng = 2223\n"
                                 "tos = 184\n"
                                 "xtables = false\n"
                                 "table = 0\n"
                                 "tos = 100\n"
                                 "timeout = 10\n");
    LoadResult result = run({"x", "--config-file=" + path, "-t", "1", "--redis=h:1/0", "--mos=LQ",
                             "--sip-source", "-t", "2"});
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->unsupportedOptionsSet, (Strings{"redis", "mos", "sip-source"}));
    EXPECT_EQ(result.config->table, 2);
    EXPECT_EQ(result.config->tos, 100);
}

TEST(ConfigLoader, CommandLineOverridesFileScalars) {
    TempDir dir;
    std::string path = dir.write("r.conf",
                                 "[rtpengine]\n"
                                 "interface = 127.0.0.1\n"
                                 "listen-ng = 2223\n"
                                 "port-min = 10000\n"
                                 "port-max = 20000\n"
                                 "log-level = 3\n"
                                 "foreground = false\n");
    Config c = loaded({"x", "--config-file", path, "-m", "15000", "--log-level=5", "-f"});
    EXPECT_EQ(c.configFile, path);
    EXPECT_EQ(c.portMin, 15000);
    EXPECT_EQ(c.portMax, 20000);
    EXPECT_EQ(c.logLevel, 5);
    EXPECT_TRUE(c.foreground);
}

TEST(ConfigLoader, CommandLineListReplacesTheFileList) {
    TempDir dir;
    std::string path = dir.write("r.conf",
                                 "[rtpengine]\n"
                                 "interface = a/127.0.0.1; b/127.0.0.2\n"
                                 "interface = c/127.0.0.3\n"
                                 "listen-ng = 127.0.0.1:2223\n"
                                 "listen-tcp-ng = 127.0.0.1:2224\n");
    Config fromFile = loaded({"x", "--config-file=" + path});
    EXPECT_EQ(interfaceStrings(fromFile), (Strings{"a/127.0.0.1", "b/127.0.0.2", "c/127.0.0.3"}));
    Config c = loaded({"x", "--config-file=" + path, "-i", "d/127.0.0.4", "--interface",
                       "e/127.0.0.5", "-n", "127.0.0.1:3000"});
    EXPECT_EQ(interfaceStrings(c), (Strings{"d/127.0.0.4", "e/127.0.0.5"}));
    EXPECT_EQ(endpointStrings(c.listenNg), Strings{"127.0.0.1:3000"});
    EXPECT_EQ(endpointStrings(c.listenTcpNg), Strings{"127.0.0.1:2224"});
}

TEST(ConfigLoader, InterfaceForms) {
    Config c =
        loaded({"x", "--config-file=none", "-n", "2223", "-i", "pub/127.0.0.1", "-i", "127.0.0.2",
                "-i", "nat/127.0.0.3!192.0.2.1", "-i", "v6/::1", "-i", "pub/[::1]"});
    EXPECT_EQ(interfaceStrings(c), (Strings{"pub/127.0.0.1", "default/127.0.0.2",
                                            "nat/127.0.0.3!192.0.2.1", "v6/::1", "pub/::1"}));
}

TEST(ConfigLoader, InterfaceDeviceName) {
    auto lo = rtprelay::config::AddressResolver::deviceAddresses("lo");
    if (!lo || lo->empty()) {
        GTEST_SKIP() << "no loopback device";
    }
    Config c = loaded({"x", "--config-file=none", "-n", "2223", "-i", "lo"});
    ASSERT_EQ(c.interfaces.size(), lo->size());
    EXPECT_EQ(c.interfaces[0].local.toString(), "127.0.0.1");
    bool hasV6 = std::find(lo->begin(), lo->end(),
                           IpAddress::loopback(rtprelay::net::Family::ipv6)) != lo->end();
    if (hasV6) {
        EXPECT_EQ(c.interfaces.back().local.toString(), "::1");
    }
}

TEST(ConfigLoader, FileListsSplitAtSemicolonsAndAccumulate) {
    TempDir dir;
    std::string path = dir.write("r.conf",
                                 "[rtpengine]\n"
                                 "interface = pub/127.0.0.1;pub/::1 ; priv/127.0.0.2;\n"
                                 "interface = priv/127.0.0.3\n"
                                 "listen-ng = localhost:2223; 127.0.0.1:2223\n"
                                 "listen-ng = [::1]:2226\n");
    Config c = loaded({"x", "--config-file=" + path});
    EXPECT_EQ(interfaceStrings(c),
              (Strings{"pub/127.0.0.1", "pub/::1", "priv/127.0.0.2", "priv/127.0.0.3"}));
    // localhost and the literal give 127.0.0.1 once; ::1 only if localhost resolves to it.
    Strings listeners = endpointStrings(c.listenNg);
    EXPECT_EQ(listeners.front(), "127.0.0.1:2223");
    EXPECT_EQ(std::count(listeners.begin(), listeners.end(), "127.0.0.1:2223"), 1);
    EXPECT_EQ(listeners.back(), "[::1]:2226");
}

TEST(ConfigLoader, ConfigSectionSelectsAnotherSection) {
    TempDir dir;
    std::string path = dir.write("r.conf",
                                 "[rtpengine]\n"
                                 "interface = 127.0.0.1\n"
                                 "listen-ng = 2223\n"
                                 "bogus = 1\n"
                                 "[rtprelay]\n"
                                 "interface = r/127.0.0.9\n"
                                 "listen-tcp-ng = 127.0.0.1:2300\n");
    Config c = loaded({"x", "--config-file=" + path, "--config-section=rtprelay"});
    EXPECT_EQ(c.configSection, "rtprelay");
    EXPECT_EQ(interfaceStrings(c), Strings{"r/127.0.0.9"});
    EXPECT_TRUE(c.listenNg.empty());
    EXPECT_EQ(endpointStrings(c.listenTcpNg), Strings{"127.0.0.1:2300"});

    // A section that does not exist is just empty.
    Config empty = loaded({"x", "--config-file=" + path, "--config-section", "nothing", "-i",
                           "127.0.0.1", "-n", "1"});
    EXPECT_EQ(interfaceStrings(empty), Strings{"default/127.0.0.1"});
}

TEST(ConfigLoader, DefaultFilesAreTriedInOrder) {
    TempDir dir;
    std::string second =
        dir.write("second.conf", "[rtpengine]\ninterface = 127.0.0.1\nlisten-ng = 2223\n");
    std::string missing = dir.path() + "/first.conf";
    LoadResult result = ConfigLoader({missing, second}).load({"rtprelayd"});
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->configFile, second);

    std::string first = dir.write("first.conf", "[rtpengine]\ninterface = 127.0.0.7\n");
    result = ConfigLoader({first, second}).load({"rtprelayd", "-n", "2223"});
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->configFile, first);
    EXPECT_EQ(interfaceStrings(*result.config), Strings{"default/127.0.0.7"});

    // None of them existing is fine.
    result = ConfigLoader({missing + ".no"}).load({"rtprelayd", "-i", "127.0.0.1", "-n", "1"});
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->configFile, "");

    // --config-file=none skips them.
    result = ConfigLoader({first}).load({"rtprelayd", "--config-file=none", "-n", "1"});
    EXPECT_EQ(result.error, "no interface configured (option 'interface')");

    // A default file that exists but cannot be read is an error.
    result = ConfigLoader({dir.path()}).load({"rtprelayd"});
    EXPECT_EQ(result.error, "cannot read '" + dir.path() + "': Is a directory");
}

TEST(ConfigLoader, ExplicitConfigFileMustBeReadable) {
    TempDir dir;
    std::string missing = dir.path() + "/missing.conf";
    EXPECT_EQ(errorOf({"x", "--config-file=" + missing}),
              "--config-file: cannot read '" + missing + "': No such file or directory");
    EXPECT_EQ(rtprelay::config::load({"x", "--config-file", missing}).error,
              "--config-file: cannot read '" + missing + "': No such file or directory");
    EXPECT_EQ(errorOf({"x", "--config-file="}),
              "--config-file: cannot read '': No such file or directory");
}

TEST(ConfigLoader, WarnsAboutUnknownKeysAndRepeatedScalars) {
    TempDir dir;
    std::string path = dir.write("r.conf",
                                 "# rtpengine.conf\n"
                                 "[rtpengine]\n"
                                 "interface = 127.0.0.1\n"
                                 "listen-ng = 2223\n"
                                 "tiemout = 60\n"
                                 "timeout = 10\n"
                                 "timeout = 20\n"
                                 "config-file = /etc/other.conf\n"
                                 "[templates]\n"
                                 "WebRTC = transport-protocol=UDP/TLS/RTP/SAVPF\n");
    LoadResult result = run({"x", "--config-file=" + path});
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->timeout, 20);
    EXPECT_EQ(result.warnings,
              (Strings{"unknown option 'tiemout' at " + path + ":5, ignored",
                       "option 'timeout' set again at " + path + ":7, the earlier value is ignored",
                       "option 'config-file' at " + path +
                           ":8 only has a meaning on the command line, ignored"}));
}

TEST(ConfigLoader, FileBooleansBareKeysAndEscapes) {
    TempDir dir;
    std::string path = dir.write("r.conf",
                                 "[rtpengine]\n"
                                 "interface = 127.0.0.1\n"
                                 "listen-ng = 2223\n"
                                 "foreground = yes\n"
                                 "log-stderr = ON\n"
                                 "no-log-timestamps = 0\n"
                                 "dtls-passive\n"
                                 "pidfile = /run/a\\sb.pid\n"
                                 "log-name = \\srtp\\;x\n");
    Config c = loaded({"x", "--config-file=" + path});
    EXPECT_TRUE(c.foreground);
    EXPECT_TRUE(c.logStderr);
    EXPECT_FALSE(c.noLogTimestamps);
    EXPECT_TRUE(c.dtlsPassive);
    EXPECT_EQ(c.pidfile, "/run/a b.pid");
    EXPECT_EQ(c.logName, " rtp;x");
    EXPECT_EQ(c.unsupportedOptionsSet, Strings{"dtls-passive"});
}

TEST(ConfigLoader, SwitchedOffBooleanIsNotReportedAsUnsupported) {
    TempDir dir;
    std::string path = dir.write("r.conf",
                                 "[rtpengine]\ninterface = 127.0.0.1\nlisten-ng = 2223\n"
                                 "dtls-passive = false\nno-fallback = no\n");
    EXPECT_TRUE(loaded({"x", "--config-file=" + path}).unsupportedOptionsSet.empty());
}

TEST(ConfigLoader, MalformedFileLines) {
    TempDir dir;
    std::string bare = dir.write("bare.conf", "[rtpengine]\ninterface = 127.0.0.1\nport-min\n");
    EXPECT_EQ(errorOf({"x", "--config-file=" + bare}), bare + ": line 3: expected key = value");
    std::string unknownBare = dir.write("unknown.conf", "[rtpengine]\n\nsomething\n");
    EXPECT_EQ(errorOf({"x", "--config-file=" + unknownBare}),
              unknownBare + ": line 3: expected key = value");
    std::string broken = dir.write("broken.conf", "[rtpengine]\n= 5\n");
    EXPECT_EQ(errorOf({"x", "--config-file=" + broken}), broken + ": line 2: expected key = value");
    std::string badBool = dir.write("bool.conf", "[rtpengine]\nforeground = maybe\n");
    EXPECT_EQ(errorOf({"x", "--config-file=" + badBool}),
              "invalid value 'maybe' for option 'foreground': not a boolean (true/false, yes/no, "
              "on/off, 1/0)");
    std::string badInt = dir.write("int.conf", "[rtpengine]\nport-min = 10 000\n");
    EXPECT_EQ(errorOf({"x", "--config-file=" + badInt}),
              "invalid value '10 000' for option 'port-min': not an integer");
}

TEST(ConfigLoader, IoUringIsOnByDefaultAndCanBeSwitchedOff) {
    Config defaults = loaded(minimal({}));
    EXPECT_TRUE(defaults.ioUring);
    EXPECT_EQ(defaults.ioUringBuffers, 1024);
    Config off = loaded(minimal({"--no-io-uring", "--io-uring-buffers=64"}));
    EXPECT_FALSE(off.ioUring);
    EXPECT_EQ(off.ioUringBuffers, 64);
    EXPECT_TRUE(loaded(minimal({"--io-uring"})).ioUring);
    TempDir dir;
    std::string path = dir.write("r.conf",
                                 "[rtpengine]\ninterface = 127.0.0.1\nlisten-ng = 2223\n"
                                 "io-uring = false\nio-uring-buffers = 16384\n");
    Config file = loaded({"x", "--config-file=" + path});
    EXPECT_FALSE(file.ioUring);
    EXPECT_EQ(file.ioUringBuffers, 16384);
    EXPECT_TRUE(file.unsupportedOptionsSet.empty());
    EXPECT_EQ(errorOf(minimal({"--io-uring-buffers=8"})),
              "invalid value '8' for option 'io-uring-buffers': must be between 16 and 32768");
}

TEST(ConfigLoader, KernelRedirectPeerIsOnByDefaultAndCanBeSwitchedOff) {
    Config defaults = loaded(minimal({}));
    EXPECT_TRUE(defaults.kernelRedirectPeer);
    EXPECT_EQ(defaults.kernelNeighbourInterval, 5);
    Config off = loaded(minimal({"--no-kernel-redirect-peer", "--kernel-neighbour-interval=1"}));
    EXPECT_FALSE(off.kernelRedirectPeer);
    EXPECT_EQ(off.kernelNeighbourInterval, 1);
    EXPECT_TRUE(loaded(minimal({"--kernel-redirect-peer"})).kernelRedirectPeer);
    TempDir dir;
    std::string path = dir.write("r.conf",
                                 "[rtpengine]\ninterface = 127.0.0.1\nlisten-ng = 2223\n"
                                 "kernel-redirect-peer = false\nkernel-neighbour-interval = 30\n");
    Config file = loaded({"x", "--config-file=" + path});
    EXPECT_FALSE(file.kernelRedirectPeer);
    EXPECT_EQ(file.kernelNeighbourInterval, 30);
    EXPECT_TRUE(file.unsupportedOptionsSet.empty());
    EXPECT_EQ(errorOf(minimal({"--kernel-neighbour-interval=0"})),
              "invalid value '0' for option 'kernel-neighbour-interval': must be between 1 and "
              "3600");
}

TEST(ConfigLoader, InvalidValuesNameOptionValueAndReason) {
    const std::string facilities =
        "not a syslog facility (auth, authpriv, cron, daemon, ftp, kern, lpr, mail, news, "
        "syslog, user, uucp, local0..local7)";
    const std::vector<std::pair<Args, std::string>> cases = {
        {{"-m", "40000", "-M", "30000"}, "port-min (40000) is greater than port-max (30000)"},
        {{"--port-min=abc"}, "invalid value 'abc' for option 'port-min': not an integer"},
        {{"--port-max=70000"},
         "invalid value '70000' for option 'port-max': must be between 1 and 65535"},
        {{"-m", "0"}, "invalid value '0' for option 'port-min': must be between 1 and 65535"},
        {{"-i", "pub/300.1.1.1"},
         "invalid value 'pub/300.1.1.1' for option 'interface': '300.1.1.1' is not an address, "
         "device or resolvable name"},
        {{"-i", "pub/"}, "invalid value 'pub/' for option 'interface': missing address"},
        {{"--log-facility=local9"},
         "invalid value 'local9' for option 'log-facility': " + facilities},
        {{"--log-facility-cdr=cdr"},
         "invalid value 'cdr' for option 'log-facility-cdr': " + facilities},
        {{"--timeout=-5"}, "invalid value '-5' for option 'timeout': must not be negative"},
        {{"-s", "-1"}, "invalid value '-1' for option 'silent-timeout': must not be negative"},
        {{"--offer-timeout=-1"},
         "invalid value '-1' for option 'offer-timeout': must not be negative"},
        {{"-a", "-1"}, "invalid value '-1' for option 'final-timeout': must not be negative"},
        {{"-d", "-1"}, "invalid value '-1' for option 'delete-delay': must not be negative"},
        {{"-L", "8"}, "invalid value '8' for option 'log-level': must be between 0 and 7"},
        {{"-L", "-1"}, "invalid value '-1' for option 'log-level': must be between 0 and 7"},
        {{"-L", "debug"}, "invalid value 'debug' for option 'log-level': not an integer"},
        {{"--endpoint-learning=sometimes"},
         "invalid value 'sometimes' for option 'endpoint-learning': must be one of delayed, "
         "immediate, off, heuristic"},
        {{"-t", "64"}, "invalid value '64' for option 'table': must be between -1 and 63"},
        {{"-t", "-2"}, "invalid value '-2' for option 'table': must be between -1 and 63"},
        {{"--kernel-table-size=0"},
         "invalid value '0' for option 'kernel-table-size': must be between 1 and 1048576"},
        {{"--kernel-table-size=1048577"},
         "invalid value '1048577' for option 'kernel-table-size': must be between 1 and "
         "1048576"},
        {{"-T", "256"}, "invalid value '256' for option 'tos': must be between 0 and 255"},
        {{"--num-threads=-1"}, "invalid value '-1' for option 'num-threads': must not be negative"},
        {{"--max-sessions=-2"},
         "invalid value '-2' for option 'max-sessions': must be -1 or greater"},
        {{"--homer-protocol=sctp"},
         "invalid value 'sctp' for option 'homer-protocol': must be one of udp, tcp"},
        {{"--homer-id=-1"}, "invalid value '-1' for option 'homer-id': must not be negative"},
        {{"--homer=9060"}, "invalid value '9060' for option 'homer': expected HOST:PORT"},
        {{"--recording-method=disk"},
         "invalid value 'disk' for option 'recording-method': must be one of pcap, proc, all"},
        {{"--recording-format=mp3"},
         "invalid value 'mp3' for option 'recording-format': must be one of raw, eth"},
        {{"--nftables-family=ipx"},
         "invalid value 'ipx' for option 'nftables-family': must be a comma-separated list of "
         "ip, ip4, ip6, inet"},
        {{"--nftables-family=ip,"},
         "invalid value 'ip,' for option 'nftables-family': must be a comma-separated list of "
         "ip, ip4, ip6, inet"},
        {{"-n", "70000"},
         "invalid value '70000' for option 'listen-ng': port must be between 1 and 65535"},
        {{"-N", "::1:5"},
         "invalid value '::1:5' for option 'listen-tcp-ng': IPv6 addresses must be written in "
         "brackets, e.g. [::1]:5"},
        {{"-c", "x"}, "invalid value 'x' for option 'listen-cli': 'x' is not a port number"},
        {{"--redis-db=-2"}, "invalid value '-2' for option 'redis-db': must be -1 or greater"},
        {{"--thread-stack=big"}, "invalid value 'big' for option 'thread-stack': not an integer"},
        {{"--max-load=x"}, "invalid value 'x' for option 'max-load': not a number"},
        {{"--foo"}, "unrecognized option '--foo'"},
    };
    for (const auto& [extra, expected] : cases) {
        EXPECT_EQ(errorOf(minimal(extra)), expected) << extra.front();
    }
}

TEST(ConfigLoader, InterfaceAndControlListenerAreRequired) {
    EXPECT_EQ(errorOf({"x", "--config-file=none", "-n", "2223"}),
              "no interface configured (option 'interface')");
    EXPECT_EQ(errorOf({"x", "--config-file=none", "-i", "127.0.0.1"}),
              "no control listener configured (option 'listen-ng')");
    EXPECT_EQ(errorOf({"x", "--config-file=none", "-i", "127.0.0.1", "-c", "9900"}),
              "no control listener configured (option 'listen-ng')");
    EXPECT_TRUE(run({"x", "--config-file=none", "-i", "127.0.0.1", "-N", "2224"}).config);
}

TEST(ConfigLoader, VersionAndHelpExitBeforeReadingTheFile) {
    for (const char* flag : {"--version", "-v"}) {
        LoadResult result = run({"x", "--config-file=/nonexistent", flag});
        EXPECT_TRUE(result.exitNow);
        EXPECT_EQ(result.error, "");
        EXPECT_FALSE(result.config);
        // "rtprelayd X.Y.Z\n"; std::regex trips GCC 12 warnings under the sanitizers.
        const std::string prefix = "rtprelayd ";
        ASSERT_EQ(result.output.rfind(prefix, 0), 0u) << result.output;
        std::string version = result.output.substr(prefix.size());
        ASSERT_FALSE(version.empty());
        EXPECT_EQ(version.back(), '\n');
        version.pop_back();
        EXPECT_EQ(std::count(version.begin(), version.end(), '.'), 2) << version;
        EXPECT_EQ(version.find_first_not_of("0123456789."), std::string::npos) << version;
    }
    for (const char* flag : {"--help", "-h"}) {
        LoadResult result = run({"x", "--config-file=/nonexistent", flag});
        EXPECT_TRUE(result.exitNow);
        EXPECT_EQ(result.output.rfind("Usage: rtprelayd [OPTION...]\n", 0), 0u);
        EXPECT_NE(result.output.find("  -i, --interface=VALUE"), std::string::npos);
        EXPECT_NE(result.output.find("  -T, --tos=INT "), std::string::npos);
        EXPECT_NE(result.output.find("      --nftables-start "), std::string::npos);
    }
    // A command-line error still wins: the user mistyped something.
    EXPECT_EQ(run({"x", "--version", "--bogus"}).error, "unrecognized option '--bogus'");
}

TEST(ConfigLoader, AllowListsReadFromFileAndCommandLine) {
    TempDir dir;
    std::string path = dir.write("r.conf",
                                 "[rtpengine]\n"
                                 "interface = 127.0.0.1\n"
                                 "listen-ng = 2223\n"
                                 "control-allow = 127.0.0.1/8, 10.0.0.0/8; ::1/128\n"
                                 "control-allow = ::ffff:192.0.2.0/120\n"
                                 "http-allow = 192.0.2.10\n"
                                 "http-secret = Zm9v-bar_1\n");
    Config c = loaded({"x", "--config-file=" + path});
    ASSERT_TRUE(c.controlAllow);
    EXPECT_EQ(c.controlAllow->toString(), "127.0.0.0/8, 10.0.0.0/8, ::1/128, 192.0.2.0/24");
    ASSERT_TRUE(c.httpAllow);
    EXPECT_EQ(c.httpAllow->toString(), "192.0.2.10/32");
    EXPECT_FALSE(c.ngAllow);
    EXPECT_FALSE(c.cliAllow);
    EXPECT_EQ(c.httpSecret, "Zm9v-bar_1");

    // The command line replaces the file's list, as for every list option.
    Config o = loaded({"x", "--config-file=" + path, "--control-allow=172.16.0.0/12",
                       "--control-allow", "fd00::/8", "--ng-allow=127.0.0.1", "--cli-allow=::1"});
    ASSERT_TRUE(o.controlAllow);
    EXPECT_EQ(o.controlAllow->toString(), "172.16.0.0/12, fd00::/8");
    ASSERT_TRUE(o.ngAllow);
    EXPECT_EQ(o.ngAllow->toString(), "127.0.0.1/32");
    ASSERT_TRUE(o.cliAllow);
    EXPECT_EQ(o.cliAllow->toString(), "::1/128");

    Config none = loaded(minimal({}));
    EXPECT_FALSE(none.controlAllow);
    EXPECT_EQ(none.httpSecret, "");
}

TEST(ConfigLoader, InvalidAllowListsAndSecretsStopTheStartWithOneLine) {
    const std::vector<std::pair<Args, std::string>> cases = {
        {{"--control-allow=10.0.0.0/33"},
         "invalid value '10.0.0.0/33' for option 'control-allow': '10.0.0.0/33': prefix length "
         "33 is out of range 0..32"},
        {{"--control-allow=127.0.0.1/8, localhost"},
         "invalid value '127.0.0.1/8, localhost' for option 'control-allow': 'localhost': "
         "'localhost' is not an IPv4 or IPv6 address"},
        {{"--ng-allow=::1/200"},
         "invalid value '::1/200' for option 'ng-allow': '::1/200': prefix length 200 is out "
         "of range 0..128"},
        {{"--cli-allow=10.0.0.0/x"},
         "invalid value '10.0.0.0/x' for option 'cli-allow': '10.0.0.0/x': prefix length 'x' "
         "is not a decimal number"},
        {{"--http-allow=,"},
         "invalid value ',' for option 'http-allow': no network given (e.g. 127.0.0.1/32, "
         "10.0.0.0/8, ::1/128)"},
        {{"--control-allow=::ffff:10.0.0.0/64"},
         "invalid value '::ffff:10.0.0.0/64' for option 'control-allow': '::ffff:10.0.0.0/64': "
         "an IPv4-mapped range needs a prefix length of 96 or more"},
        {{"--http-secret="},
         "invalid value '' for option 'http-secret': must be 1 to 256 "
         "characters"},
        {{"--http-secret=two words"},
         "invalid value 'two words' for option 'http-secret': must be printable ASCII without "
         "blanks"},
        {{"--http-secret=" + std::string(257, 'x')},
         "invalid value '" + std::string(257, 'x') +
             "' for option 'http-secret': must be 1 to 256 characters"},
    };
    for (const auto& [extra, expected] : cases) {
        EXPECT_EQ(errorOf(minimal(extra)), expected) << extra.front();
    }
    // Repeated values add up to at most 256 networks.
    Args many;
    for (int i = 0; i < 257; ++i) {
        many.push_back("--control-allow=10.0." + std::to_string(i / 256) + "." +
                       std::to_string(i % 256));
    }
    EXPECT_EQ(errorOf(minimal(many)),
              "invalid value '10.0.1.0' for option 'control-allow': more than 256 networks");
}
