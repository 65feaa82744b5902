#include <gtest/gtest.h>

#include <thread>

#include "control/AccessControl.h"
#include "log/LogThrottle.h"

using rtprelay::control::AccessControl;
using rtprelay::control::ControlListener;
using rtprelay::control::ControlStatistics;
using rtprelay::log::LogThrottle;
using rtprelay::net::Endpoint;
using rtprelay::net::NetworkList;

namespace {

Endpoint endpoint(const char* text) {
    auto e = Endpoint::parse(text);
    EXPECT_TRUE(e) << text;
    return e.value_or(Endpoint());
}

}  // namespace

TEST(LogThrottle, OneLinePerIntervalWithTheCountHeldBack) {
    LogThrottle throttle(std::chrono::milliseconds(100));
    uint64_t heldBack = 99;
    ASSERT_TRUE(throttle.admit(heldBack));
    EXPECT_EQ(heldBack, 0u);
    for (int i = 0; i < 5; ++i) {
        EXPECT_FALSE(throttle.admit(heldBack));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    ASSERT_TRUE(throttle.admit(heldBack));
    EXPECT_EQ(heldBack, 5u);
    EXPECT_FALSE(throttle.admit(heldBack));
}

TEST(AccessControl, AdmitsEveryoneWithoutARuleAndCountsRefusals) {
    ControlStatistics stats;
    AccessControl access(stats);
    EXPECT_FALSE(access.restricted(ControlListener::ngUdp));
    EXPECT_TRUE(access.admit(ControlListener::ngUdp, endpoint("192.0.2.1:5060")));
    EXPECT_EQ(access.describe(ControlListener::ngUdp), "any source");

    access.setRule(ControlListener::ngUdp, NetworkList::parse("10.0.0.0/8, ::1"), "control-allow");
    EXPECT_TRUE(access.restricted(ControlListener::ngUdp));
    EXPECT_FALSE(access.restricted(ControlListener::cli));
    EXPECT_EQ(access.describe(ControlListener::ngUdp), "10.0.0.0/8, ::1/128 (control-allow)");
    EXPECT_TRUE(access.admit(ControlListener::ngUdp, endpoint("10.1.2.3:5060")));
    EXPECT_TRUE(access.admit(ControlListener::ngUdp, endpoint("[::1]:5060")));
    EXPECT_TRUE(access.admit(ControlListener::ngUdp, endpoint("[::ffff:10.0.0.9]:5060")));
    EXPECT_FALSE(access.admit(ControlListener::ngUdp, endpoint("192.0.2.1:5060")));
    EXPECT_FALSE(access.admit(ControlListener::ngUdp, endpoint("[::2]:5060")));
    EXPECT_TRUE(access.admit(ControlListener::cli, endpoint("192.0.2.1:5060")));
    EXPECT_EQ(stats.denied(ControlListener::ngUdp), 2u);
    EXPECT_EQ(stats.denied(ControlListener::cli), 0u);

    // Lifting the rule (SIGHUP without the option) serves everyone again.
    access.setRule(ControlListener::ngUdp, std::nullopt, "control-allow");
    EXPECT_TRUE(access.admit(ControlListener::ngUdp, endpoint("192.0.2.1:5060")));
    EXPECT_EQ(stats.denied(ControlListener::ngUdp), 2u);
}
