#include "control/NgProcessor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace rtprelay::control {
namespace {

using bencode::Value;
using namespace std::chrono_literals;

const net::Endpoint peer(*net::IpAddress::parse("192.0.2.1"), 5060);

Value body(const std::string& reply) {
    auto space = reply.find(' ');
    auto r = bencode::decode(std::string_view(reply).substr(space + 1));
    EXPECT_EQ(r.status, bencode::DecodeStatus::ok) << reply;
    return r.value;
}

class Processor : public ::testing::Test {
protected:
    Processor() {
        commands.add("ping", [](const NgRequest&, bencode::Dict& reply) {
            reply.emplace_back("result", "pong");
        });
        commands.add("count", [this](const NgRequest&, bencode::Dict& reply) {
            reply.emplace_back("n", static_cast<int64_t>(++executions));
        });
        commands.add("offer", [](const NgRequest& r, bencode::Dict&) {
            throw NgLoadLimit(r.string({"call-id"}).value_or("") + " limited");
        });
        commands.add("typed", [](const NgRequest& r, bencode::Dict& reply) {
            reply.emplace_back("delay", r.integer({"delete delay", "delete-delay"}).value_or(-1));
            Value flags = Value::list();
            for (auto& f : r.list({"flags"})) {
                flags.push(f);
            }
            reply.emplace_back("flags", std::move(flags));
        });
        commands.addPlaceholdersForMissing();
    }

    CommandRegistry commands;
    CookieCache cache;
    ControlStatistics stats;
    NgProcessor processor{commands, cache, stats};
    std::atomic<int> executions{0};
};

TEST_F(Processor, PingReplyIsExactlyRtpenginesBytes) {
    EXPECT_EQ(processor.handleDatagram("abc d7:command4:pinge", peer), "abc d6:result4:ponge");
}

TEST_F(Processor, ResultIsAppendedAfterHandlerKeys) {
    EXPECT_EQ(processor.handleDatagram("k1 d7:command5:counte", peer), "k1 d1:ni1e6:result2:oke");
}

TEST_F(Processor, SameCookieExecutesOnce) {
    auto a = processor.handleDatagram("dup d7:command5:counte", peer);
    auto b = processor.handleDatagram("dup d7:command5:counte", peer);
    EXPECT_EQ(a, b);
    EXPECT_EQ(executions.load(), 1);
    processor.handleDatagram("dup2 d7:command5:counte", peer);
    EXPECT_EQ(executions.load(), 2);
}

TEST_F(Processor, ConcurrentDuplicatesExecuteOnce) {
    std::vector<std::thread> threads;
    std::vector<std::string> replies(8);
    for (size_t i = 0; i < replies.size(); ++i) {
        threads.emplace_back(
            [&, i] { replies[i] = processor.handleDatagram("same d7:command5:counte", peer); });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(executions.load(), 1);
    for (const auto& r : replies) {
        EXPECT_EQ(r, replies[0]);
    }
}

TEST_F(Processor, NoCookieIsDroppedAndCounted) {
    EXPECT_EQ(processor.handleDatagram("d7:command4:pinge", peer), "");
    EXPECT_EQ(processor.handleDatagram("", peer), "");
    EXPECT_EQ(stats.drops(ControlStatistics::Drop::noCookie), 2u);
}

TEST_F(Processor, LoadLimitShapeDependsOnSupports) {
    Value plain = body(processor.handleDatagram("l1 d7:command5:offer7:call-id1:xe", peer));
    EXPECT_EQ(plain.find("result")->str(), "error");
    EXPECT_EQ(plain.find("error-reason")->str(), "x limited");

    Value withSupports = body(processor.handleDatagram(
        "l2 d7:command5:offer7:call-id1:x8:supportsl10:load limitee", peer));
    EXPECT_EQ(withSupports.find("result")->str(), "load limit");
    EXPECT_EQ(withSupports.find("message")->str(), "x limited");
}

TEST_F(Processor, NumbersAsStringsAndListsAsCommaStrings) {
    Value r = body(processor.handleDatagram(
        "t1 d7:command5:typed12:delete delay2:155:flags18:trust-address,SIP-e", peer));
    EXPECT_EQ(r.find("delay")->integer(), 15);
    ASSERT_EQ(r.find("flags")->items().size(), 2u);
    EXPECT_EQ(r.find("flags")->items()[1].str(), "SIP-");

    Value bad = body(processor.handleDatagram("t2 d7:command5:typed12:delete delay2:1xe", peer));
    EXPECT_EQ(bad.find("result")->str(), "error");
    EXPECT_EQ(bad.find("error-reason")->str(),
              "Invalid value type for key 'delete delay': expected an integer");
}

TEST_F(Processor, PlaceholdersCoverEveryRtpengineCommand) {
    for (auto name : CommandRegistry::rtpengineCommands()) {
        EXPECT_NE(commands.find(name), nullptr) << name;
    }
    Value r = body(processor.handleDatagram("p d7:command9:subscribe7:ignoredi1ee", peer));
    EXPECT_EQ(r.find("error-reason")->str(), "Unrecognized command");
}

TEST_F(Processor, StatisticsSnapshotCountsPerProxyAndCommand) {
    processor.handleDatagram("s1 d7:command4:pinge", peer);
    processor.handleDatagram("s2 d7:command5:dancee", peer);
    Value snap = stats.snapshot();
    EXPECT_EQ(snap.find("totalpingcount")->integer(), 1);
    EXPECT_EQ(snap.find("totalerrorcount")->integer(), 1);
    const Value& proxy = snap.find("proxies")->items().at(0);
    EXPECT_EQ(proxy.find("proxy")->str(), "192.0.2.1");
    EXPECT_EQ(proxy.find("pingcount")->integer(), 1);
}

}  // namespace
}  // namespace rtprelay::control
