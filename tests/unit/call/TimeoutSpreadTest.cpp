// SignallingEngine::tick against its real call registry: calls set up together are not all
// looked at again in the same tick, which would hold the registry's lock (and ng commands)
// for the length of one walk over all of them.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "call/SignallingEngine.h"
#include "config/RuntimeSettings.h"
#include "control/Bencode.h"
#include "control/CommandRegistry.h"
#include "control/ControlStatistics.h"
#include "control/CookieCache.h"
#include "control/NgProcessor.h"
#include "media/LocalInterface.h"

namespace rtprelay::call {
namespace {

namespace bencode = control::bencode;

std::string offer(int n) {
    std::string sdp =
        "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
        "m=audio " +
        std::to_string(40000 + 2 * n) + " RTP/AVP 0\r\n";
    bencode::Value request = bencode::Value::dict();
    request.set("command", "offer");
    request.set("call-id", "spread-" + std::to_string(n));
    request.set("from-tag", "caller");
    request.set("sdp", sdp);
    return "cookie" + std::to_string(n) + " " + bencode::encode(request);
}

TEST(TimeoutSpread, CallsDueInOneTickAreLookedAtAgainOverTheLastPartOfTheLimit) {
    config::InterfaceAddress address;
    address.local = *net::IpAddress::parse("127.0.0.1");
    address.advertised = address.local;
    media::InterfaceRegistry interfaces({address}, 52000, 52199, {});
    config::RuntimeSettings runtime;
    SignallingEngine engine(interfaces, runtime, 0, media::LearningMode::heuristic, nullptr);
    control::CommandRegistry commands;
    engine.registerCommands(commands);
    control::CookieCache cache;
    control::ControlStatistics stats;
    control::NgProcessor processor(commands, cache, stats);
    const net::Endpoint proxy(*net::IpAddress::parse("192.0.2.1"), 5060);
    constexpr int kCalls = 40;
    for (int n = 0; n < kCalls; ++n) {
        std::string answer = processor.handleDatagram(offer(n), proxy);
        ASSERT_NE(answer.find("result2:ok"), std::string::npos) << answer;
    }

    auto& schedule = engine.calls().timeoutSchedule();
    ASSERT_EQ(schedule.size(), size_t{kCalls});
    for (TimeoutSchedule::Index i = 0; i < kCalls; ++i) {
        EXPECT_EQ(schedule.dueUs(i), 0) << "a new call is due at once";
    }
    const int64_t before = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    engine.tick();  // all 40 are due: looked at in this one tick
    const int64_t limitUs = std::chrono::duration_cast<std::chrono::microseconds>(
                                SignallingEngine::kTimeoutRecheckLimit)
                                .count();
    const int64_t spreadUs =
        static_cast<int64_t>(SignallingEngine::kTimeoutRecheckSpreadSeconds) * 1000000;
    std::set<int64_t> seconds;
    for (TimeoutSchedule::Index i = 0; i < kCalls; ++i) {
        int64_t due = schedule.dueUs(i);
        // None later than the limit, none earlier than its spread part (offer-timeout is an
        // hour away, so the limit decides).
        EXPECT_GT(due, before + limitUs - spreadUs) << i;
        EXPECT_LE(due, before + limitUs + 1000000) << i;
        seconds.insert((due - before) / 1000000);
    }
    // Without the spread all 40 would be due in the same second.
    EXPECT_GE(seconds.size(), 10u);
}

}  // namespace
}  // namespace rtprelay::call
