#include "kernel/StatsSlots.h"

#include <gtest/gtest.h>

#include <deque>

namespace rtprelay::kernel {
namespace {

TEST(StatsSlots, HandsOutEverySlotOnceThenNothing) {
    StatsSlots slots(3);
    EXPECT_EQ(slots.acquire(), 0u);
    EXPECT_EQ(slots.acquire(), 1u);
    EXPECT_EQ(slots.acquire(), 2u);
    EXPECT_EQ(slots.acquire(), std::nullopt);
    EXPECT_EQ(slots.inUse(), 3u);
}

TEST(StatsSlots, ReusesTheLeastRecentlyFreedSlotLast) {
    StatsSlots slots(4);
    for (int i = 0; i < 4; ++i) {
        slots.acquire();
    }
    slots.release(2);
    slots.release(0);
    EXPECT_EQ(slots.acquire(), 2u);
    EXPECT_EQ(slots.acquire(), 0u);
    EXPECT_EQ(slots.acquire(), std::nullopt);

    StatsSlots fresh(4);
    fresh.acquire();   // 0
    fresh.release(0);  // behind 1, 2, 3
    EXPECT_EQ(fresh.acquire(), 1u);
}

TEST(StatsSlots, AFreedSlotWaitsForItsQuarantineThenTheLowestGoesFirst) {
    StatsSlots slots(8, 2);
    for (uint32_t i = 0; i < 6; ++i) {
        EXPECT_EQ(slots.acquire(), i);
    }
    EXPECT_EQ(slots.limit(), 6u);
    slots.release(4);
    slots.release(1);
    slots.release(3);  // 4 has waited for two others: free again, and below 6
    EXPECT_EQ(slots.acquire(), 4u);
    slots.release(5);  // now 1 is out of quarantine
    EXPECT_EQ(slots.acquire(), 1u);
    EXPECT_EQ(slots.acquire(), 6u);
    EXPECT_EQ(slots.acquire(), 7u);
    EXPECT_EQ(slots.limit(), 8u);
    // Nothing else free: the quarantined ones, longest waiting first.
    EXPECT_EQ(slots.acquire(), 3u);
    EXPECT_EQ(slots.acquire(), 5u);
    EXPECT_EQ(slots.acquire(), std::nullopt);
}

TEST(StatsSlots, SlotsInUseStayAtTheStartUnderChurn) {
    StatsSlots slots(65536, 16);
    std::deque<uint32_t> live;
    for (int i = 0; i < 1000; ++i) {
        live.push_back(*slots.acquire());
    }
    for (int round = 0; round < 100000; ++round) {  // calls ending and starting
        slots.release(live.front());
        live.pop_front();
        live.push_back(*slots.acquire());
    }
    EXPECT_EQ(slots.inUse(), 1000u);
    EXPECT_LE(slots.limit(), 1000u + 16u + 1u);
}

TEST(StatsSlots, ReleaseIsIdempotentAndIgnoresForeignSlots) {
    StatsSlots slots(2);
    auto a = slots.acquire();
    slots.release(*a);
    slots.release(*a);
    slots.release(99);
    EXPECT_EQ(slots.inUse(), 0u);
    EXPECT_TRUE(slots.acquire());
    EXPECT_TRUE(slots.acquire());
    EXPECT_FALSE(slots.acquire());
}

TEST(StatsSlots, ClaimedSlotsAreNeverHandedOut) {
    StatsSlots slots(3);
    EXPECT_TRUE(slots.claim(1));
    EXPECT_FALSE(slots.claim(1));  // an entry sharing the slot
    EXPECT_FALSE(slots.claim(3));  // outside the array
    EXPECT_EQ(slots.acquire(), 0u);
    EXPECT_EQ(slots.acquire(), 2u);
    EXPECT_EQ(slots.acquire(), std::nullopt);

    slots.release(1);
    EXPECT_EQ(slots.acquire(), 1u);
    EXPECT_EQ(slots.acquire(), std::nullopt);
    EXPECT_EQ(slots.inUse(), 3u);
}

}  // namespace
}  // namespace rtprelay::kernel
