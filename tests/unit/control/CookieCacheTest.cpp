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

TEST(CookieCache, AFullByteBudgetRotatesEarlyAndBoundsMemory) {
    constexpr size_t kBudget = 10'000;
    CookieCache cache(std::chrono::hours(1), 30s, kBudget);
    const std::string reply(1'000, 'r');
    for (int i = 0; i < 1'000; ++i) {
        std::string cookie = "c" + std::to_string(i);
        ASSERT_TRUE(cache.begin(cookie).execute);
        cache.complete(cookie, reply);
        // Two generations, each at most one reply over its budget.
        ASSERT_LE(cache.bytes(),
                  2 * (kBudget + CookieCache::kEntryOverheadBytes + reply.size() + cookie.size()));
    }
    // The latest replies are still replayed, never executed twice.
    auto again = cache.begin("c999");
    EXPECT_FALSE(again.execute);
    EXPECT_EQ(again.reply, reply);
    EXPECT_FALSE(cache.begin("c995").execute);
    // The oldest fell out long ago.
    EXPECT_TRUE(cache.begin("c0").execute);
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
