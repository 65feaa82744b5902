#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "protocol/HttpClient.h"
#include "protocol/MediaPeer.h"
#include "protocol/PrometheusText.h"
#include "protocol/SignallingFixture.h"

namespace rtprelay::test {
namespace {

using control::bencode::Value;
using namespace std::chrono_literals;

std::string sdpFor(const MediaPeer& peer) {
    return audioSdp(peer.address().toString(), peer.port());
}

class Metrics : public SignallingFixture {
protected:
    void SetUp() override {
        httpPort_ = freePort(SOCK_STREAM);
        startDaemon({"--listen-http=127.0.0.1:" + std::to_string(httpPort_), "--delete-delay=0"});
    }

    HttpResponse get(const std::string& path) {
        auto r = httpExchange(httpPort_, "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n");
        EXPECT_TRUE(r) << "no HTTP answer for " << path << "; daemon log:\n" << daemon_->log();
        return r.value_or(HttpResponse{});
    }

    int status(const std::string& rawRequest, bool halfClose = false) {
        auto r = httpExchange(httpPort_, rawRequest, halfClose);
        return r ? r->status : -1;
    }

    Exposition metrics() {
        HttpResponse r = get("/metrics");
        EXPECT_EQ(r.status, 200);
        EXPECT_NE(r.head.find("Content-Type: text/plain; version=0.0.4"), std::string::npos)
            << r.head;
        std::string error;
        auto parsed = parseExposition(r.body, error);
        EXPECT_TRUE(parsed) << error << "\n" << r.body;
        if (!parsed) {
            return {};
        }
        // Every name has its HELP and TYPE.
        for (const auto& s : parsed->samples) {
            EXPECT_TRUE(parsed->types.count(s.name)) << s.name;
            EXPECT_TRUE(parsed->helps.count(s.name)) << s.name;
            EXPECT_TRUE(s.name.rfind("rtpengine_", 0) == 0 || s.name.rfind("rtprelay_", 0) == 0)
                << s.name;
        }
        return *parsed;
    }

    RelayPorts setUpCall(const std::string& callId, const MediaPeer& caller,
                         const MediaPeer& callee) {
        return SignallingFixture::setUpCall(callId, sdpFor(caller), sdpFor(callee));
    }

    uint16_t httpPort_ = 0;
};

const std::map<std::string, std::string> userspace = {{"type", "userspace"}};
const std::map<std::string, std::string> kernelType = {{"type", "kernel"}};

TEST(PrometheusParser, RejectsWhatTheFormatForbids) {
    std::string error;
    EXPECT_TRUE(parseExposition("# HELP a x\n# TYPE a gauge\na{b=\"c\\\"\"} 1\na 2\n", error))
        << error;
    for (const char* bad :
         {"a 1\na 1\n", "# TYPE a gauge\n# TYPE a gauge\na 1\n", "a 1\nb 1\na 2\n", "a{b=\"c} 1\n",
          "a{b=c} 1\n", "a x\n", "1a 1\n", "a 1", "a 1\n# HELP a late\n", "a{b=\"1\",b=\"2\"} 1\n",
          "# TYPE a thing\na 1\n"}) {
        EXPECT_FALSE(parseExposition(bad, error)) << bad;
    }
}

TEST_F(Metrics, PageIsValidWithRtpenginesAndOurNames) {
    Exposition m = metrics();
    for (const char* name :
         {"rtpengine_sessions", "rtpengine_sessions_total", "rtpengine_closed_sessions_total",
          "rtpengine_packets_total", "rtpengine_bytes_total", "rtpengine_packet_errors_total",
          "rtpengine_ports_used", "rtpengine_ports_free", "rtpengine_ports",
          "rtpengine_uptime_seconds", "rtpengine_mediastreams", "rtprelay_ebpf_attached",
          "rtprelay_kernel_entries", "rtprelay_kernel_peer_entries", "rtprelay_nftables_managed",
          "rtprelay_kernel_table_capacity", "rtprelay_kernel_table_size",
          "rtprelay_foreign_source_drops_total", "rtprelay_ng_dropped_total"}) {
        EXPECT_TRUE(m.types.count(name)) << name;
    }
    EXPECT_EQ(m.types["rtpengine_sessions"], "gauge");
    EXPECT_EQ(m.types["rtpengine_packets_total"], "counter");
    EXPECT_EQ(m.types["rtpengine_closed_sessions_total"], "counter");
    for (const char* reason : {"rejected", "timeout", "silent_timeout", "final_timeout",
                               "offer_timeout", "terminated", "force_terminated"}) {
        EXPECT_EQ(m.value("rtpengine_closed_sessions_total", {{"reason", reason}}), 0.0) << reason;
    }
    EXPECT_EQ(m.value("rtpengine_sessions", {{"type", "own"}}), 0.0);
    EXPECT_EQ(m.value("rtpengine_sessions", {{"type", "foreign"}}), 0.0);
    EXPECT_EQ(m.value("rtpengine_packets_total", kernelType), 0.0);
    EXPECT_EQ(m.value("rtprelay_ebpf_attached"), 0.0);
    EXPECT_EQ(m.value("rtprelay_kernel_entries"), 0.0);
    EXPECT_EQ(m.value("rtprelay_kernel_peer_entries"), 0.0);
    EXPECT_EQ(m.value("rtprelay_kernel_table_size"), 0.0);
    EXPECT_EQ(m.value("rtprelay_nftables_managed"), 0.0);
    EXPECT_EQ(m.value("rtpengine_ports", {{"name", "default"}, {"address", "127.0.0.1"}}),
              static_cast<double>(portMax_ - portMin_ + 1));
    EXPECT_GE(*m.value("rtpengine_uptime_seconds"), 0.0);
}

TEST_F(Metrics, CountRequestsSessionsAndPorts) {
    const int pings = 7;
    double before =
        metrics()
            .value("rtpengine_requests_total", {{"proxy", "127.0.0.1"}, {"request", "ping"}})
            .value_or(0);
    for (int i = 0; i < pings; ++i) {
        EXPECT_EQ(resultOf(request(command("ping"))), "pong");
    }
    Value bad = command("offer");  // no call-id: answered with an error
    bad.set("sdp", "v=0\r\n");
    EXPECT_EQ(resultOf(request(bad)), "error");

    MediaPeer a1, b1, a2, b2;
    setUpCall("m-1", a1, b1);
    setUpCall("m-2", a2, b2);
    Exposition m = metrics();
    std::map<std::string, std::string> ping = {{"proxy", "127.0.0.1"}, {"request", "ping"}};
    EXPECT_GE(m.value("rtpengine_requests_total", ping).value_or(0), before + pings);
    EXPECT_GE(m.value("rtpengine_request_seconds_total", ping).value_or(-1), 0.0);
    EXPECT_EQ(m.value("rtpengine_requests_total", {{"proxy", "127.0.0.1"}, {"request", "offer"}}),
              3.0);
    EXPECT_EQ(m.value("rtpengine_requests_total", {{"proxy", "127.0.0.1"}, {"request", "answer"}}),
              2.0);
    EXPECT_GE(m.value("rtpengine_errors_total", {{"proxy", "127.0.0.1"}}).value_or(0), 1.0);
    EXPECT_EQ(m.value("rtpengine_sessions", {{"type", "own"}}), 2.0);
    std::map<std::string, std::string> address = {{"name", "default"}, {"address", "127.0.0.1"}};
    EXPECT_EQ(m.value("rtpengine_ports_used", address), 8.0);  // RTP + RTCP, two parties, two calls
    EXPECT_EQ(m.value("rtpengine_ports_free", address),
              static_cast<double>(portMax_ - portMin_ + 1 - 8));
    EXPECT_EQ(m.value("rtpengine_mediastreams", userspace), 4.0);

    request(del("m-1"));
    m = metrics();
    EXPECT_EQ(m.value("rtpengine_sessions", {{"type", "own"}}), 1.0);
    EXPECT_EQ(m.value("rtpengine_sessions_total"), 1.0);
    EXPECT_EQ(m.value("rtpengine_closed_sessions_total", {{"reason", "terminated"}}), 1.0);
    EXPECT_EQ(m.value("rtpengine_ports_used", address), 4.0);
}

TEST_F(Metrics, CountRelayedPacketsAndForeignSourceDrops) {
    MediaPeer caller, callee;
    auto [towardsCallee, towardsCaller] = setUpCall("m-1", caller, callee);
    const uint16_t k = 40;
    for (uint16_t i = 0; i < k; ++i) {
        caller.send(towardsCaller, rtpPacket(i, 0x1111, 0xA1));
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(callee.drain().size(), k);
    MediaPeer attacker("127.0.0.5");
    for (uint16_t i = 0; i < 10; ++i) {
        attacker.send(towardsCaller, rtpPacket(i, 0x6666, 0xEE));
    }
    EXPECT_EQ(callee.drain(200ms).size(), 0u);

    Exposition m = metrics();
    EXPECT_GE(m.value("rtpengine_packets_total", userspace).value_or(0), k);
    EXPECT_GE(m.value("rtpengine_bytes_total", userspace).value_or(0), k * 172.0);
    EXPECT_EQ(m.value("rtpengine_packets_total", kernelType), 0.0);
    EXPECT_GE(m.value("rtprelay_foreign_source_drops_total").value_or(0), 10.0);
    EXPECT_GE(m.value("rtpengine_packet_errors_total", userspace).value_or(0), 10.0);

    // ng `statistics` shows the same numbers.
    Value stats = request(command("statistics"));
    const Value* total = stats.find("statistics")->find("totalstatistics");
    EXPECT_EQ(static_cast<double>(total->find("relayedpackets_user")->integer()),
              *m.value("rtpengine_packets_total", userspace));
    EXPECT_EQ(total->find("relayedpackets_kernel")->integer(), 0);
    EXPECT_EQ(static_cast<double>(total->find("foreignsourcedrops")->integer()),
              *m.value("rtprelay_foreign_source_drops_total"));

    // Totals survive the call: counters never go backwards.
    request(del("m-1"));
    Exposition after = metrics();
    EXPECT_GE(*after.value("rtprelay_foreign_source_drops_total"),
              *m.value("rtprelay_foreign_source_drops_total"));
    EXPECT_GE(*after.value("rtpengine_packets_total", userspace),
              *m.value("rtpengine_packets_total", userspace));
    EXPECT_EQ(after.value("rtpengine_mediastreams", userspace), 0.0);
}

TEST_F(Metrics, PingCliAndErrors) {
    HttpResponse r = get("/ping");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "pong\n");
    EXPECT_NE(r.head.find("Connection: close"), std::string::npos);

    auto head = httpExchange(httpPort_, "HEAD /ping HTTP/1.1\r\n\r\n");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->body, "");
    EXPECT_NE(head->head.find("Content-Length: 5\r\n"), std::string::npos);

    r = get("/cli/list+numsessions");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.rfind("Current sessions own: 0\n", 0), 0u) << r.body;
    EXPECT_EQ(get("/cli/list%20timeout").body, "TIMEOUT=60\n");
    EXPECT_EQ(get("/cli/list+foo").body, "Unknown or incomplete command:foo\n");
    EXPECT_EQ(get("/metrics?name=x").status, 200);

    EXPECT_EQ(get("/nope").status, 404);
    EXPECT_EQ(get("/").status, 404);
    EXPECT_EQ(get("/metricsx").status, 404);
    EXPECT_EQ(get("/cli/%zz").status, 400);
    EXPECT_EQ(get("/cli/list%0atimeout").status, 400);

    EXPECT_EQ(status("GARBAGE\r\n\r\n"), 400);
    EXPECT_EQ(status("GET /ping\r\n\r\n"), 400);
    EXPECT_EQ(status("GET /ping HTTP/2.0\r\n\r\n"), 400);
    EXPECT_EQ(status("GET ping HTTP/1.1\r\n\r\n"), 400);
    EXPECT_EQ(status("GET /ping HTTP/1.1\r\nno colon here\r\n\r\n"), 400);
    EXPECT_EQ(status("GET /ping HTTP/1.1\r\nHost: x\r\n", true), 400);  // ends half-way
    EXPECT_EQ(status("POST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\nab"), 405);
    EXPECT_EQ(status("GET /ping HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"), 431);
    // Bare LF line ends are accepted.
    EXPECT_EQ(status("GET /ping HTTP/1.0\n\n"), 200);
    // Still serving.
    EXPECT_EQ(get("/ping").body, "pong\n");
}

TEST_F(Metrics, ManyScrapesInParallel) {
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                auto r = httpExchange(httpPort_, "GET /metrics HTTP/1.1\r\n\r\n");
                ok += r && r->status == 200 && !r->body.empty();
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(ok.load(), 80);
}

}  // namespace
}  // namespace rtprelay::test
