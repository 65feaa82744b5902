// The timeout check's schedule, through the registry that owns it.
#include "call/TimeoutSchedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "call/CallRegistry.h"

namespace rtprelay::call {
namespace {

std::vector<std::string> dueIds(CallRegistry& registry, int64_t nowUs) {
    std::vector<Call*> due;
    registry.timeoutSchedule().collectDue(nowUs, due);
    std::vector<std::string> ids;
    for (Call* call : due) {
        ids.push_back(call->callId());
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

TEST(TimeoutScheduleTest, NewCallsAreDueAtOnceAndLaterOnlyWhenTheirTimeComes) {
    CallRegistry registry;
    Call& a = registry.create("a");
    Call& b = registry.create("b");
    EXPECT_EQ(dueIds(registry, 0), (std::vector<std::string>{"a", "b"}));
    a.recheckTimeoutsAt(100);
    b.recheckTimeoutsAt(200);
    EXPECT_TRUE(dueIds(registry, 99).empty());
    EXPECT_EQ(dueIds(registry, 100), std::vector<std::string>{"a"});
    EXPECT_EQ(dueIds(registry, 200), (std::vector<std::string>{"a", "b"}));
    // Signalling makes a call due at once.
    b.touch();
    EXPECT_EQ(dueIds(registry, 99), std::vector<std::string>{"b"});
    registry.timeoutSchedule().setAll(500);
    EXPECT_TRUE(dueIds(registry, 499).empty());
}

TEST(TimeoutScheduleTest, DestroyedCallsLeaveAndTheOthersKeepTheirTimes) {
    CallRegistry registry;
    for (const char* id : {"a", "b", "c", "d"}) {
        registry.create(id).recheckTimeoutsAt(1000);
    }
    registry.find("d")->recheckTimeoutsAt(10);
    // Removing "a" moves the last entry ("d") into its place: its time and index follow.
    registry.destroy("a", Teardown::regular);
    registry.discard("c");
    EXPECT_EQ(registry.timeoutSchedule().size(), 2u);
    EXPECT_EQ(dueIds(registry, 10), std::vector<std::string>{"d"});
    registry.find("d")->recheckTimeoutsAt(2000);
    registry.find("b")->recheckTimeoutsAt(20);
    EXPECT_EQ(dueIds(registry, 20), std::vector<std::string>{"b"});
    // Creating an existing Call-ID again adds nothing.
    registry.create("b");
    EXPECT_EQ(registry.timeoutSchedule().size(), 2u);
}

}  // namespace
}  // namespace rtprelay::call
