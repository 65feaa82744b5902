#include "media/PortPool.h"

#include <gtest/gtest.h>

#include <set>

namespace rtprelay::media {
namespace {

TEST(PortPool, HandsOutEvenPairsInsideTheRangeUntilEmpty) {
    PortPool pool(30001, 30010, {30006});
    // Even bases whose odd neighbour is in range: 30002, 30004, 30008 (30006 excluded).
    EXPECT_EQ(pool.totalPairs(), 3u);
    std::set<uint16_t> seen;
    while (auto p = pool.takePair()) {
        EXPECT_EQ(*p % 2, 0);
        EXPECT_GE(*p, 30001);
        EXPECT_LE(*p + 1, 30010);
        EXPECT_TRUE(seen.insert(*p).second);
    }
    EXPECT_EQ(seen, (std::set<uint16_t>{30002, 30004, 30008}));
    EXPECT_EQ(pool.usedPorts(), 6u);
    EXPECT_EQ(pool.freePairs(), 0u);
    pool.releasePair(30004);
    EXPECT_EQ(pool.takePair(), 30004);
}

TEST(PortPool, ReleasedPortsGoToTheBackOfTheQueue) {
    PortPool pool(40000, 40099);
    auto first = *pool.takePair();
    pool.releasePair(first);
    for (size_t i = 0; i + 1 < pool.totalPairs(); ++i) {
        EXPECT_NE(*pool.takePair(), first);
    }
    EXPECT_EQ(*pool.takePair(), first);
}

TEST(PortPool, DoubleReleaseIsHarmless) {
    PortPool pool(40000, 40003);
    auto p = *pool.takePair();
    pool.releasePair(p);
    pool.releasePair(p);
    EXPECT_EQ(pool.freePairs(), 2u);
    EXPECT_EQ(pool.usedPorts(), 0u);
}

}  // namespace
}  // namespace rtprelay::media
