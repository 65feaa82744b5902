#include "media/EndpointLearner.h"

#include <gtest/gtest.h>

namespace rtprelay::media {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Verdict = EndpointLearner::Verdict;

net::Endpoint ep(const char* text) {
    return *net::Endpoint::parse(text);
}

EndpointLearner::Settings settings(LearningMode mode, const char* expected = "192.0.2.1:4000") {
    EndpointLearner::Settings s;
    s.mode = mode;
    s.expected = ep(expected);
    return s;
}

TEST(EndpointLearner, HeuristicConfirmsAnExactSdpMatchAtOnceAndRefusesOthersAfter) {
    EndpointLearner l;
    auto t = Clock::now();
    l.reset(settings(LearningMode::heuristic), t);
    EXPECT_EQ(l.onPacket(ep("192.0.2.1:4000"), t), Verdict::forward);
    EXPECT_TRUE(l.confirmed());
    EXPECT_EQ(l.onPacket(ep("203.0.113.9:4000"), t), Verdict::drop);
    EXPECT_EQ(l.onPacket(ep("192.0.2.1:4002"), t), Verdict::drop);
    EXPECT_EQ(*l.endpoint(), ep("192.0.2.1:4000"));
}

TEST(EndpointLearner, HeuristicPrefersTheBestRankWithinFivePackets) {
    EndpointLearner l;
    auto t = Clock::now();
    l.reset(settings(LearningMode::heuristic), t);
    // A stranger first, then the right address behind NAT (other port): the address wins.
    EXPECT_EQ(l.onPacket(ep("203.0.113.9:5000"), t), Verdict::forward);
    EXPECT_EQ(l.onPacket(ep("192.0.2.1:6000"), t), Verdict::forward);
    EXPECT_EQ(l.onPacket(ep("203.0.113.9:5000"), t), Verdict::forward);
    EXPECT_FALSE(l.confirmed());
    EXPECT_EQ(l.onPacket(ep("192.0.2.1:6000"), t), Verdict::forward);
    // Fifth packet: learning ends, the best candidate is confirmed, others are dropped.
    EXPECT_EQ(l.onPacket(ep("203.0.113.9:5000"), t), Verdict::drop);
    EXPECT_TRUE(l.confirmed());
    EXPECT_EQ(*l.endpoint(), ep("192.0.2.1:6000"));
    EXPECT_EQ(l.onPacket(ep("192.0.2.1:6000"), t), Verdict::forward);
}

TEST(EndpointLearner, DelayedConfirmsAfterTheWindowOrFivePackets) {
    EndpointLearner l;
    auto t = Clock::now();
    l.reset(settings(LearningMode::delayed), t);
    EXPECT_EQ(l.onPacket(ep("192.0.2.1:4000"), t), Verdict::forward);
    EXPECT_FALSE(l.confirmed());  // even an exact match waits
    EXPECT_EQ(l.onPacket(ep("198.51.100.7:4000"), t + 3s), Verdict::forward);
    EXPECT_TRUE(l.confirmed());
    EXPECT_EQ(*l.endpoint(), ep("198.51.100.7:4000"));  // delayed keeps the latest source
}

TEST(EndpointLearner, ImmediateTakesTheFirstSource) {
    EndpointLearner l;
    auto t = Clock::now();
    l.reset(settings(LearningMode::immediate), t);
    EXPECT_EQ(l.onPacket(ep("198.51.100.7:4000"), t), Verdict::forward);
    EXPECT_TRUE(l.confirmed());
    EXPECT_EQ(l.onPacket(ep("192.0.2.1:4000"), t), Verdict::drop);
}

TEST(EndpointLearner, OffUsesTheSdpAddressAndAcceptsAnySourceUnlessStrict) {
    EndpointLearner l;
    auto t = Clock::now();
    l.reset(settings(LearningMode::off), t);
    EXPECT_TRUE(l.confirmed());
    EXPECT_EQ(*l.endpoint(), ep("192.0.2.1:4000"));
    EXPECT_EQ(l.onPacket(ep("198.51.100.7:1"), t), Verdict::forward);
    EXPECT_EQ(*l.endpoint(), ep("192.0.2.1:4000"));
    auto strict = settings(LearningMode::off);
    strict.strictSource = true;
    l.reset(strict, t);
    EXPECT_EQ(l.onPacket(ep("198.51.100.7:1"), t), Verdict::drop);
    EXPECT_EQ(l.onPacket(ep("192.0.2.1:4000"), t), Verdict::forward);
}

TEST(EndpointLearner, StrictSourceDropsOtherAddressesWhileLearning) {
    EndpointLearner l;
    auto t = Clock::now();
    auto s = settings(LearningMode::heuristic);
    s.strictSource = true;
    l.reset(s, t);
    EXPECT_EQ(l.onPacket(ep("203.0.113.9:4000"), t), Verdict::drop);
    EXPECT_FALSE(l.endpoint().has_value());
    EXPECT_EQ(l.onPacket(ep("192.0.2.1:4000"), t), Verdict::forward);
}

TEST(EndpointLearner, MediaHandoverMovesTheEndpoint) {
    EndpointLearner l;
    auto t = Clock::now();
    auto s = settings(LearningMode::heuristic);
    s.mediaHandover = true;
    l.reset(s, t);
    l.onPacket(ep("192.0.2.1:4000"), t);
    uint32_t generation = l.generation();
    EXPECT_EQ(l.onPacket(ep("192.0.2.77:4100"), t), Verdict::forward);
    EXPECT_EQ(*l.endpoint(), ep("192.0.2.77:4100"));
    EXPECT_NE(l.generation(), generation);
}

TEST(EndpointLearner, SignallingStartsLearningOver) {
    EndpointLearner l;
    auto t = Clock::now();
    l.reset(settings(LearningMode::heuristic), t);
    l.onPacket(ep("192.0.2.1:4000"), t);
    l.reset(settings(LearningMode::heuristic, "192.0.2.1:4010"), t + 10s);
    EXPECT_FALSE(l.confirmed());
    EXPECT_EQ(l.onPacket(ep("192.0.2.1:4010"), t + 10s), Verdict::forward);
    EXPECT_TRUE(l.confirmed());
}

}  // namespace
}  // namespace rtprelay::media
