#include <gtest/gtest.h>

#include <thread>

#include "protocol/DaemonFixture.h"

namespace rtprelay::test {
namespace {

using control::bencode::Value;
using namespace std::chrono_literals;

class NgUdp : public DaemonFixture {
protected:
    // Sends a raw datagram and returns the decoded reply, checking the cookie is echoed.
    std::optional<Value> rawRequest(NgUdpClient& client, const std::string& cookie,
                                    std::string_view body) {
        client.sendRaw(cookie + " " + std::string(body));
        auto raw = client.receiveRaw(2s);
        if (!raw) {
            return std::nullopt;
        }
        std::string replyCookie;
        auto reply = decodeReplyBody(*raw, &replyCookie);
        EXPECT_EQ(replyCookie, cookie);
        return reply;
    }

    void expectStillServing() {
        NgUdpClient client(udpEndpoint());
        auto reply = client.request(command("ping"));
        ASSERT_TRUE(reply) << daemon_->log();
        EXPECT_EQ(resultOf(*reply), "pong");
        EXPECT_TRUE(daemon_->running());
    }
};

TEST_F(NgUdp, PingAnswersPongWithTheSameCookie) {
    NgUdpClient client(udpEndpoint());
    client.sendRaw("5323_1 d7:command4:pinge");
    auto raw = client.receiveRaw(2s);
    ASSERT_TRUE(raw);
    EXPECT_EQ(*raw, "5323_1 d6:result4:ponge");
}

TEST_F(NgUdp, RetransmissionGetsTheIdenticalReplyWithoutReExecuting) {
    NgUdpClient client(udpEndpoint());
    const std::string request = "retrans_1 " + control::bencode::encode(command("statistics"));
    client.sendRaw(request);
    auto first = client.receiveRaw(2s);
    ASSERT_TRUE(first);
    // Another request changes the counters; uptime moves on.
    ASSERT_TRUE(client.request(command("ping")));
    std::this_thread::sleep_for(1100ms);
    client.sendRaw(request);
    auto second = client.receiveRaw(2s);
    ASSERT_TRUE(second);
    EXPECT_EQ(*first, *second);

    // A new cookie with the same content is a new request and sees the new counters.
    client.sendRaw("retrans_2 " + control::bencode::encode(command("statistics")));
    auto third = client.receiveRaw(2s);
    ASSERT_TRUE(third);
    EXPECT_NE(third->substr(third->find(' ')), first->substr(first->find(' ')));
}

TEST_F(NgUdp, StatisticsCountsCommandsPerProxy) {
    NgUdpClient client(udpEndpoint());
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(client.request(command("ping")));
    }
    auto reply = client.request(command("statistics"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(resultOf(*reply), "ok");
    const Value* stats = reply->find("statistics");
    ASSERT_TRUE(stats && stats->isDict());
    const Value* control = stats->find("controlstatistics");
    ASSERT_TRUE(control);
    const Value* pings = control->find("totalpingcount");
    ASSERT_TRUE(pings && pings->isInt());
    EXPECT_GE(pings->integer(), 4);  // the fixture's readiness ping(s) plus ours
    const Value* proxies = control->find("proxies");
    ASSERT_TRUE(proxies && proxies->isList() && !proxies->items().empty());
    EXPECT_EQ(proxies->items()[0].find("proxy")->str(), "127.0.0.1");
    ASSERT_TRUE(stats->find("totalstatistics")->find("uptime"));
}

TEST_F(NgUdp, UnknownCommandIsUnrecognized) {
    NgUdpClient client(udpEndpoint());
    auto reply = client.request(command("dance"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(resultOf(*reply), "error");
    EXPECT_EQ(errorReasonOf(*reply), "Unrecognized command");
}

TEST_F(NgUdp, KnownButUnbuiltCommandsSayNotSupportedYet) {
    NgUdpClient client(udpEndpoint());
    for (std::string name : {"start recording", "play media", "subscribe request"}) {
        auto reply = client.request(command(name));
        ASSERT_TRUE(reply) << name;
        EXPECT_EQ(resultOf(*reply), "error") << name;
        EXPECT_EQ(errorReasonOf(*reply), "Command '" + name + "' is not supported yet");
    }
}

TEST_F(NgUdp, DatagramWithoutCookieIsDroppedAndCounted) {
    NgUdpClient client(udpEndpoint());
    client.sendRaw("d7:command4:pinge");
    EXPECT_FALSE(client.receiveRaw(300ms));
    client.sendRaw(" d7:command4:pinge");
    EXPECT_FALSE(client.receiveRaw(300ms));
    auto reply = client.request(command("statistics"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(
        reply->find("statistics")->find("controlstatistics")->find("droppednocookie")->integer(),
        2);
    expectStillServing();
}

struct BadInput {
    const char* name;
    std::string body;
    const char* reason;
};

TEST_F(NgUdp, BadInputCatalogueGetsPreciseErrorsAndTheListenerKeepsServing) {
    const std::vector<BadInput> cases = {
        {"empty payload", "", "Invalid data (no payload)"},
        {"garbage", "hello world", "Invalid NG data format"},
        {"binary garbage", std::string("\x00\xff\x13\x37", 4), "Invalid NG data format"},
        {"truncated bencode", "d7:command4:pi", "Could not decode bencode dictionary"},
        {"unterminated dict", "d7:command4:ping", "Could not decode bencode dictionary"},
        {"bad string length", "d7:command999:pinge", "Could not decode bencode dictionary"},
        {"body is a list", "l4:pinge", "Invalid NG data format"},
        {"body is an integer", "i42e", "Invalid NG data format"},
        {"no command", "d4:call3:abce", "Dictionary contains no key \"command\""},
        {"command not a string", "d7:commandi5ee", "Key \"command\" is not a string"},
        {"command is a list", "d7:commandl4:pingee", "Key \"command\" is not a string"},
        {"non-string key", "di1e4:pinge", "Could not decode bencode dictionary"},
        {"deep nesting", "d1:a" + std::string(5000, 'l') + std::string(5000, 'e') + "e",
         "Message nested too deeply"},
        {"element bomb",
         "d1:al" +
             [] {
                 std::string s;
                 for (int i = 0; i < 20000; ++i)
                     s += "i0e";
                 return s;
             }() +
             "ee",
         "Message has too many elements"},
        {"leading zero integer", "d7:command4:ping1:xi05ee", "Could not decode bencode dictionary"},
        {"json", "{\"command\":\"ping\"}", "JSON ng messages are not supported yet, use bencode"},
    };
    NgUdpClient client(udpEndpoint());
    int n = 0;
    for (const auto& c : cases) {
        auto reply = rawRequest(client, "bad_" + std::to_string(++n), c.body);
        ASSERT_TRUE(reply) << c.name;
        EXPECT_EQ(resultOf(*reply), "error") << c.name;
        EXPECT_EQ(errorReasonOf(*reply), c.reason) << c.name;
    }
    expectStillServing();
}

TEST_F(NgUdp, LargestDatagramIsAnswered) {
    NgUdpClient client(udpEndpoint());
    // 65507 bytes is the largest UDP payload over IPv4.
    std::string cookie = "big_1";
    std::string prefix = cookie + " d7:command4:ping7:padding";
    size_t padding = 65507 - prefix.size() - 1 /*e*/ - 6 /*len:*/;
    std::string body = "d7:command4:ping7:padding" + std::to_string(padding) + ":" +
                       std::string(padding, 'x') + "e";
    std::string datagram = cookie + " " + body;
    ASSERT_EQ(datagram.size(), 65507u);
    client.sendRaw(datagram);
    auto raw = client.receiveRaw(2s);
    ASSERT_TRUE(raw);
    EXPECT_EQ(*raw, "big_1 d6:result4:ponge");
}

TEST_F(NgUdp, FloodOfGarbageDoesNotStopService) {
    NgUdpClient attacker(udpEndpoint());
    for (int i = 0; i < 2000; ++i) {
        attacker.sendRaw(i % 2 ? "x d" : "garbage-without-cookie");
    }
    expectStillServing();
}

TEST_F(NgUdp, ListensOnIpv6Too) {
    uint16_t port = freePort(SOCK_DGRAM);
    std::vector<std::string> args = {"--config-file=none",           "-f", "-E", "-i", "::1", "-n",
                                     "[::1]:" + std::to_string(port)};
    DaemonProcess v6(args);
    net::Endpoint server(*net::IpAddress::parse("::1"), port);
    ASSERT_TRUE(waitForPong(server, 5s)) << v6.log();
}

}  // namespace
}  // namespace rtprelay::test
