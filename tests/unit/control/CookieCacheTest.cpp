#include "control/CookieCache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace rtprelay::control {
namespace {

using namespace std::chrono_literals;

TEST(CookieCache, FirstSightExecutesThenReplays) {
    CookieCache cache;
    auto first = cache.begin("c1");
    EXPECT_TRUE(first.execute);
    cache.complete("c1", "c1 reply");
    auto again = cache.begin("c1");
    EXPECT_FALSE(again.execute);
    EXPECT_EQ(again.reply, "c1 reply");
    EXPECT_TRUE(cache.begin("c2").execute);
}

TEST(CookieCache, DuplicateDuringExecutionWaitsForTheReply) {
    CookieCache cache;
    ASSERT_TRUE(cache.begin("slow").execute);
    std::atomic<bool> waiterDone{false};
    CookieCache::Lookup seen;
    std::thread waiter([&] {
        seen = cache.begin("slow");
        waiterDone = true;
    });
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(waiterDone.load());
    cache.complete("slow", "slow reply");
    waiter.join();
    EXPECT_FALSE(seen.execute);
    EXPECT_EQ(seen.reply, "slow reply");
}

TEST(CookieCache, EntriesExpireAfterTwoGenerations) {
    CookieCache cache(50ms);
    ASSERT_TRUE(cache.begin("old").execute);
    cache.complete("old", "r");
    std::this_thread::sleep_for(60ms);
    EXPECT_FALSE(cache.begin("old").execute);  // rotated once: still in the older generation
    std::this_thread::sleep_for(60ms);
    EXPECT_TRUE(cache.begin("x").execute);  // second rotation drops "old"
    EXPECT_TRUE(cache.begin("old").execute);
}

TEST(CookieCache, InFlightEntrySurvivesRotation) {
    CookieCache cache(20ms, 2s);
    ASSERT_TRUE(cache.begin("long").execute);
    std::this_thread::sleep_for(50ms);
    (void)cache.begin("tick1");
    std::this_thread::sleep_for(50ms);
    std::thread finisher([&] {
        std::this_thread::sleep_for(50ms);
        cache.complete("long", "done");
    });
    auto dup = cache.begin("long");
    finisher.join();
    EXPECT_FALSE(dup.execute);
    EXPECT_EQ(dup.reply, "done");
}

TEST(CookieCache, StuckOriginalNeverRunsTwice) {
    CookieCache cache(30s, 50ms);
    ASSERT_TRUE(cache.begin("stuck").execute);
    auto dup = cache.begin("stuck");
    EXPECT_FALSE(dup.execute);
    EXPECT_TRUE(dup.reply.empty());
}

}  // namespace
}  // namespace rtprelay::control
