#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "protocol/HttpClient.h"
#include "protocol/MediaPeer.h"
#include "protocol/PrometheusText.h"
#include "protocol/SignallingFixture.h"

namespace rtprelay::test {

// rtprelayd with listen-http, and traffic that makes every family of series of its /metrics
// page exist.
class DashboardFixture : public SignallingFixture {
protected:
    void startWithHttp(const std::string& table) {
        httpPort_ = freePort(SOCK_STREAM);
        startDaemon({"--listen-http=127.0.0.1:" + std::to_string(httpPort_), "--table=" + table,
                     "--delete-delay=0"});
    }

    static std::string sdpFor(const MediaPeer& peer) {
        std::string a = peer.address().toString();
        return "v=0\r\no=- 1 1 IN IP4 " + a + "\r\ns=-\r\nc=IN IP4 " + a + "\r\nt=0 0\r\nm=audio " +
               std::to_string(peer.port()) + " RTP/AVP 0\r\n";
    }

    // Two calls with RTP both ways, a stranger's packets (foreign-source drops), a request
    // answered with an error, a ping and a delete: every family of series the page has.
    void driveTraffic() {
        using control::bencode::Value;
        using namespace std::chrono_literals;
        MediaPeer callerA, calleeA, callerB, calleeB;
        auto ports = [&](const std::string& callId, const MediaPeer& caller,
                         const MediaPeer& callee) {
            Value o = request(offer(callId, "caller", sdpFor(caller)));
            EXPECT_EQ(resultOf(o), "ok") << errorReasonOf(o);
            Value a = request(answer(callId, "caller", "callee", sdpFor(callee)));
            EXPECT_EQ(resultOf(a), "ok") << errorReasonOf(a);
            auto loopback = *net::IpAddress::parse("127.0.0.1");
            return std::make_pair(
                net::Endpoint(loopback, static_cast<uint16_t>(mediaPorts(sdpOf(a)).at(0))),
                net::Endpoint(loopback, static_cast<uint16_t>(mediaPorts(sdpOf(o)).at(0))));
        };
        auto [towardsCallerA, towardsCalleeA] = ports("dash-a", callerA, calleeA);
        auto [towardsCallerB, towardsCalleeB] = ports("dash-b", callerB, calleeB);
        for (uint16_t i = 0; i < 20; ++i) {
            callerA.send(towardsCallerA, rtpPacket(i, 0x1111, 0xA1));
            calleeA.send(towardsCalleeA, rtpPacket(i, 0x2222, 0xB2));
            callerB.send(towardsCallerB, rtpPacket(i, 0x3333, 0xC3));
            std::this_thread::sleep_for(1ms);
        }
        EXPECT_EQ(calleeA.drain().size(), 20u);
        MediaPeer stranger("127.0.0.5");
        for (uint16_t i = 0; i < 5; ++i) {
            stranger.send(towardsCallerA, rtpPacket(i, 0x6666, 0xEE));
        }
        EXPECT_EQ(calleeA.drain(200ms).size(), 0u);
        Value bad = command("offer");  // no call-id: answered with an error
        bad.set("sdp", "v=0\r\n");
        EXPECT_EQ(resultOf(request(bad)), "error");
        EXPECT_EQ(resultOf(request(command("ping"))), "pong");
        EXPECT_EQ(resultOf(request(del("dash-b"))), "ok");
    }

    Exposition metrics() {
        auto r = httpExchange(httpPort_, "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n");
        EXPECT_TRUE(r && r->status == 200) << daemon_->log();
        std::string error;
        auto parsed = parseExposition(r ? r->body : "", error);
        EXPECT_TRUE(parsed) << error;
        return parsed.value_or(Exposition{});
    }

    uint16_t httpPort_ = 0;
};

}  // namespace rtprelay::test
