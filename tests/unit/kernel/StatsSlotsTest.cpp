#include "kernel/StatsSlots.h"

#include <gtest/gtest.h>

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
