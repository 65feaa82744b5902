// The daemon keeps its nftables objects in place while it runs: a firewall reload that
// flushes the ruleset, or a set emptied behind its back, is repaired within seconds with the
// ports of the calls in progress.
//
// Needs root (KernelDaemonFixture.h).
#include <functional>

#include "unit/kernel/KernelDaemonFixture.h"

namespace rtprelay::kernel {
namespace {

using KernelFirewallRepairTest = KernelDaemonTest;

bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(100ms);
    }
    return condition();
}

TEST_F(KernelFirewallRepairTest, AFlushedRulesetAndAnEmptiedSetComeBackWithThePortsInUse) {
    start(16);
    Call c = call("firewall-1");
    std::string set = "rtprelay_ports_" + std::to_string(table_);
    std::string listSet = "nft list set ip filter " + set + " 2>&1";
    auto holdsCallPorts = [&] {
        std::string listed = test::shellOutput(listSet);
        return listed.find(std::to_string(c.toCallee.port())) != std::string::npos &&
               listed.find(std::to_string(c.toCaller.port())) != std::string::npos;
    };
    ASSERT_TRUE(holdsCallPorts()) << test::shellOutput(listSet);

    test::shell("nft flush ruleset");
    ASSERT_FALSE(holdsCallPorts());
    EXPECT_TRUE(waitFor(holdsCallPorts, 8s)) << daemon_->log();
    EXPECT_TRUE(
        daemon_->waitForLog("Removed while running: nftables table 'ip filter' does "
                            "not exist: chain, rules and set set up again",
                            2s))
        << daemon_->log();
    std::string chain = test::shellOutput("nft list chain ip filter INPUT 2>&1");
    EXPECT_NE(chain.find("jump rtpengine_" + std::to_string(table_)), std::string::npos) << chain;

    test::shell("nft flush set ip filter " + set);
    ASSERT_FALSE(holdsCallPorts());
    EXPECT_TRUE(waitFor(holdsCallPorts, 8s)) << daemon_->log();
    EXPECT_TRUE(daemon_->waitForLog("in table 'ip filter' held 0 of the ", 2s)) << daemon_->log();
    EXPECT_TRUE(daemon_->waitForLog("ports in use: refilled", 2s)) << daemon_->log();
    // Media still flows (the daemon is fine after both).
    auto [toCaller, toCallee] = media(c, 1, 10);
    EXPECT_GT(toCaller, 0u);
    EXPECT_GT(toCallee, 0u);
}

}  // namespace
}  // namespace rtprelay::kernel
