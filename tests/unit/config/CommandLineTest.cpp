#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/CommandLine.h"

using rtprelay::config::CommandLine;
using rtprelay::config::OptionTable;

namespace {

using Args = std::vector<std::string>;

// "name=value" for each setting, in order.
std::vector<std::string> parsed(const Args& args) {
    auto result = CommandLine::parse(args, OptionTable::instance());
    EXPECT_TRUE(result) << result.error();
    std::vector<std::string> out;
    if (result) {
        for (const auto& setting : result->settings()) {
            out.push_back(std::string(setting.spec->name) + "=" + setting.value);
        }
    }
    return out;
}

std::string error(const Args& args) {
    auto result = CommandLine::parse(args, OptionTable::instance());
    EXPECT_FALSE(result);
    return result ? std::string() : result.error();
}

}  // namespace

TEST(CommandLine, LongFormsWithEqualsOrSeparateValue) {
    EXPECT_EQ(parsed({"rtprelayd", "--port-min=1000", "--port-max", "2000", "--foreground"}),
              (std::vector<std::string>{"port-min=1000", "port-max=2000", "foreground=true"}));
}

TEST(CommandLine, ShortFormsAttachedSeparateAndClustered) {
    EXPECT_EQ(
        parsed({"rtprelayd", "-L7", "-m", "1000", "-fE", "-T184", "-t", "0", "-N", "2224"}),
        (std::vector<std::string>{"log-level=7", "port-min=1000", "foreground=true",
                                  "log-stderr=true", "tos=184", "table=0", "listen-tcp-ng=2224"}));
    EXPECT_EQ(parsed({"rtprelayd", "-fL", "5"}),
              (std::vector<std::string>{"foreground=true", "log-level=5"}));
}

TEST(CommandLine, ShortLettersFollowRtpengineNotItsManPage) {
    EXPECT_EQ(
        parsed({"x", "-i", "a", "-n", "1", "-c", "2",  "-p", "f",  "-M", "3",  "-o", "4", "-s",
                "5", "-a", "6", "-d", "7", "-F", "-r", "r",  "-b", "u",  "-S", "-u", "8", "-l",
                "9", "-w", "w", "-k", "1", "-q", "-x", "2",  "-g", "g",  "-G", "60"}),
        (std::vector<std::string>{"interface=a",
                                  "listen-ng=1",
                                  "listen-cli=2",
                                  "pidfile=f",
                                  "port-max=3",
                                  "timeout=4",
                                  "silent-timeout=5",
                                  "final-timeout=6",
                                  "delete-delay=7",
                                  "no-fallback=true",
                                  "redis=r",
                                  "b2b-url=u",
                                  "save-interface-ports=true",
                                  "listen-udp=8",
                                  "listen-tcp=9",
                                  "redis-write=w",
                                  "subscribe-keyspace=1",
                                  "no-redis-required=true",
                                  "xmlrpc-format=2",
                                  "graphite=g",
                                  "graphite-interval=60"}));
}

TEST(CommandLine, RepeatedOptionsAreAllKeptInOrder) {
    EXPECT_EQ(
        parsed({"x", "-i", "a", "--interface=b", "-L", "3", "-L", "4"}),
        (std::vector<std::string>{"interface=a", "interface=b", "log-level=3", "log-level=4"}));
    auto result = CommandLine::parse({"x", "-L", "3", "-L", "4"}, OptionTable::instance());
    ASSERT_TRUE(result);
    ASSERT_NE(result->last("log-level"), nullptr);
    EXPECT_EQ(*result->last("log-level"), "4");
    EXPECT_EQ(result->last("port-min"), nullptr);
}

TEST(CommandLine, ValuesMayLookLikeOptionsOrBeEmpty) {
    EXPECT_EQ(parsed({"x", "--table", "-1", "--redis="}),
              (std::vector<std::string>{"table=-1", "redis="}));
}

TEST(CommandLine, CompatibilityOptionsParse) {
    EXPECT_EQ(parsed({"x", "--nftables-start", "--nftables-stop", "--nftables-status", "--xtables",
                      "--listen-https=443", "--https-cert=c", "--https-key=k", "--templates=t",
                      "--interfaces-config=i", "--sip-source", "--reject-invalid-sdp",
                      "--max-load=1.5", "--io-uring", "--codecs", "--record-egress",
                      "--log-level-core=5", "--dtls-passive"})
                  .size(),
              17u);
}

TEST(CommandLine, NoArgumentsAtAll) {
    EXPECT_TRUE(parsed({"rtprelayd"}).empty());
    EXPECT_TRUE(parsed({}).empty());
}

TEST(CommandLine, ErrorsAreOneLine) {
    EXPECT_EQ(error({"x", "--foo"}), "unrecognized option '--foo'");
    EXPECT_EQ(error({"x", "--foo=bar"}), "unrecognized option '--foo'");
    EXPECT_EQ(error({"x", "-Z"}), "unrecognized option '-Z'");
    EXPECT_EQ(error({"x", "-fZ"}), "unrecognized option '-Z'");
    EXPECT_EQ(error({"x", "--port-min"}), "option '--port-min' requires a value");
    EXPECT_EQ(error({"x", "-m"}), "option '-m' requires a value");
    EXPECT_EQ(error({"x", "--foreground=yes"}), "option '--foreground' does not take a value");
    EXPECT_EQ(error({"x", "--forg"}), "unrecognized option '--forg'");
    EXPECT_EQ(error({"x", "--port"}), "unrecognized option '--port'");
    EXPECT_EQ(error({"x", "-f", "stray"}), "unexpected argument 'stray'");
    EXPECT_EQ(error({"x", "--", "-f"}), "unexpected argument '-f'");
}

TEST(CommandLine, ParsesAgainAfterAnError) {
    error({"x", "-fZ"});
    EXPECT_EQ(parsed({"x", "-E"}), (std::vector<std::string>{"log-stderr=true"}));
}

TEST(OptionTable, ShortLettersAreUniqueAndNamesAreKnown) {
    const auto& options = OptionTable::instance().options();
    for (size_t i = 0; i < options.size(); ++i) {
        for (size_t j = i + 1; j < options.size(); ++j) {
            EXPECT_NE(options[i].name, options[j].name);
            if (options[i].shortName != 0) {
                EXPECT_NE(options[i].shortName, options[j].shortName) << options[i].name;
            }
        }
    }
    EXPECT_EQ(OptionTable::instance().findShort('T')->name, "tos");
    EXPECT_EQ(OptionTable::instance().findShort('t')->name, "table");
    EXPECT_EQ(OptionTable::instance().findShort('G')->name, "graphite-interval");
    EXPECT_EQ(OptionTable::instance().findShort('w')->name, "redis-write");
    EXPECT_EQ(OptionTable::instance().findShort('N')->name, "listen-tcp-ng");
}
