#include <string>

#include "unit/nftables/NetnsFixture.h"

namespace rtprelay::kernel::test {
namespace {

// --nftables-start/stop/status through the built daemon, run in the test's namespace. The
// configuration loader insists on an interface and a control listener even for these modes.
class NftablesModeTest : public NetnsFixture {
protected:
    static Shell daemon(const std::string& args) {
        return sh(std::string(RTPRELAYD_PATH) +
                  " --config-file=none -i 127.0.0.1 -n 127.0.0.1:2223 " + args);
    }
};

TEST_F(NftablesModeTest, StartStatusStop) {
    Shell status = daemon("-t 0 --nftables-status");
    EXPECT_EQ(status.status, 1);
    EXPECT_EQ(status.output, "nftables table 'ip filter' does not exist\n");

    Shell start = daemon("-t 0 --nftables-start");
    EXPECT_EQ(start.status, 0) << start.output;
    EXPECT_EQ(start.output, "Success\n");
    EXPECT_NE(ruleset().find("jump rtpengine_0 comment \"rtprelay jump table 0\""),
              std::string::npos);

    status = daemon("-t 0 --nftables-status");
    EXPECT_EQ(status.status, 0) << status.output;
    EXPECT_EQ(status.output, "Netfilter rules check SUCCESSFUL\n");

    // Start again: replaces, never duplicates.
    ASSERT_EQ(daemon("-t 0 --nftables-start").status, 0);
    EXPECT_EQ(count(ruleset(), "jump rtpengine_0"), 2u);  // one per family

    Shell stop = daemon("-t 0 --nftables-stop");
    EXPECT_EQ(stop.status, 0) << stop.output;
    EXPECT_EQ(stop.output, "Success\n");
    // The tables and INPUT chains --nftables-start created are gone with our objects.
    EXPECT_EQ(ruleset(), "");

    status = daemon("-t 0 --nftables-status");
    EXPECT_EQ(status.status, 1);
    EXPECT_EQ(status.output, "nftables table 'ip filter' does not exist\n");
}

TEST_F(NftablesModeTest, OptionsShapeTheObjects) {
    Shell start = daemon(
        "-t 3 --nftables-family=inet --nftables-chain=media --nftables-base-chain=input "
        "--nftables-append --nftables-start");
    ASSERT_EQ(start.status, 0) << start.output;
    std::string text = ruleset();
    EXPECT_NE(text.find("table inet filter"), std::string::npos) << text;
    EXPECT_EQ(text.find("table ip "), std::string::npos) << text;
    EXPECT_NE(text.find("chain input {"), std::string::npos) << text;
    EXPECT_NE(text.find("jump media comment \"rtprelay jump table 3\""), std::string::npos) << text;
    EXPECT_NE(text.find("set rtprelay_ports_3"), std::string::npos) << text;
    // Status and stop must be given the same options to find the objects.
    EXPECT_EQ(daemon("-t 3 --nftables-status").status, 1);
    EXPECT_EQ(daemon("-t 3 --nftables-family=inet --nftables-chain=media "
                     "--nftables-base-chain=input --nftables-status")
                  .status,
              0);
    EXPECT_EQ(daemon("-t 3 --nftables-family=inet --nftables-chain=media "
                     "--nftables-base-chain=input --nftables-stop")
                  .status,
              0);
    EXPECT_EQ(ruleset().find("media"), std::string::npos);
}

TEST_F(NftablesModeTest, NeedATableAndAChain) {
    for (const char* mode : {"--nftables-start", "--nftables-stop", "--nftables-status"}) {
        Shell noTable = daemon(mode);
        EXPECT_EQ(noTable.status, 1);
        EXPECT_EQ(noTable.output, std::string("rtprelayd: ") + mode +
                                      ": nftables needs a kernel table: set --table to 0 or "
                                      "more\n");
        Shell noChain = daemon(std::string("-t 0 --nftables-chain= ") + mode);
        EXPECT_EQ(noChain.status, 1);
        EXPECT_EQ(noChain.output, std::string("rtprelayd: ") + mode +
                                      ": nftables needs a chain name: --nftables-chain is "
                                      "empty\n");
    }
    EXPECT_EQ(ruleset(), "");
}

TEST_F(NftablesModeTest, StartFailureIsOneLineAndStatusOne) {
    load(R"(table ip filter {
	chain rtpengine_0 {
		udp dport 9999 accept
	}
}
)");
    Shell start = daemon("-t 0 --nftables-start");
    EXPECT_EQ(start.status, 1);
    EXPECT_EQ(start.output,
              "rtprelayd: --nftables-start: nftables chain 'rtpengine_0' already exists in "
              "table 'ip filter' and is not rtprelay's (no rule commented 'rtprelay UDP handler "
              "table 0'); remove it or set another --nftables-chain\n");
}

}  // namespace
}  // namespace rtprelay::kernel::test
