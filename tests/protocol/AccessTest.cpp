#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "protocol/DaemonFixture.h"
#include "protocol/HttpClient.h"

namespace rtprelay::test {
namespace {

using control::bencode::Value;
using namespace std::chrono_literals;

// The whole of 127.0.0.0/8 is local: a client bound to 127.0.0.2 is "another host" for an
// allow-list of 127.0.0.1/32.
const net::IpAddress allowed = net::IpAddress::loopback(net::Family::ipv4);
const net::IpAddress outsider = *net::IpAddress::parse("127.0.0.2");
const net::IpAddress loopback6 = net::IpAddress::loopback(net::Family::ipv6);

net::Endpoint local(uint16_t port) {
    return net::Endpoint(allowed, port);
}

// Connects from `source` to `server`, sends `bytes` and returns everything received until the
// server closes: empty when it closed without a word (refused at accept). Nothing when the
// connection failed or stayed open past the timeout.
std::optional<std::string> exchange(const net::Endpoint& server, const net::IpAddress& source,
                                    const std::string& bytes) {
    int fd = socketFrom(server, SOCK_STREAM, source);
    if (fd < 0) {
        return std::nullopt;
    }
    sockaddr_storage ss;
    socklen_t len = server.toSockaddr(ss);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    // A refused connection may be closed before or while this is sent.
    ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    char buf[8192];
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) {
            continue;
        }
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            ::close(fd);
            return out;  // closed (or reset)
        }
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return std::nullopt;
}

std::string httpGet(const std::string& path, const std::string& headers = {}) {
    return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + headers + "Connection: close\r\n\r\n";
}

std::string httpPostNg(const std::string& body, const std::string& headers = {},
                       const std::string& contentType = "application/x-rtpengine-ng") {
    return "POST /ng HTTP/1.1\r\nHost: test\r\nContent-Type: " + contentType +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + headers + "\r\n" + body;
}

int statusOf(const std::string& response) {
    if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) {
        return -1;
    }
    return std::stoi(response.substr(9, 3));
}

std::string bodyOf(const std::string& response) {
    size_t end = response.find("\r\n\r\n");
    return end == std::string::npos ? std::string() : response.substr(end + 4);
}

// The value of a sample line "NAME{LABELS} VALUE" on a Prometheus page; -1 when absent.
double metric(const std::string& page, const std::string& series) {
    std::istringstream in(page);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(series + " ", 0) == 0) {
            return std::stod(line.substr(series.size() + 1));
        }
    }
    return -1;
}

size_t occurrences(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++n;
    }
    return n;
}

class Access : public DaemonFixture {
protected:
    void SetUp() override {}

    // ng on UDP and TCP (fixture), plus CLI and HTTP, all on 127.0.0.1.
    void startWith(std::vector<std::string> extra) {
        cliPort_ = freePort(SOCK_STREAM);
        httpPort_ = freePort(SOCK_STREAM);
        extra.push_back("--listen-cli=127.0.0.1:" + std::to_string(cliPort_));
        extra.push_back("--listen-http=127.0.0.1:" + std::to_string(httpPort_));
        start(extra);
    }

    // ng `statistics` → `controlstatistics`, asked from an allowed source.
    Value controlStatistics() {
        NgUdpClient client(udpEndpoint());
        auto reply = client.request(command("statistics"));
        if (!reply) {
            ADD_FAILURE() << "no statistics reply";
            return Value::dict();
        }
        const Value* s = reply->find("statistics");
        const Value* c = s ? s->find("controlstatistics") : nullptr;
        return c ? *c : Value::dict();
    }

    int64_t controlCounter(const std::string& key) {
        Value c = controlStatistics();
        const Value* v = c.find(key);
        return v && v->isInt() ? v->integer() : -1;
    }

    std::string metricsPage() {
        auto page = exchange(local(httpPort_), allowed, httpGet("/metrics"));
        EXPECT_TRUE(page);
        return page ? *page : std::string();
    }

    uint16_t cliPort_ = 0;
    uint16_t httpPort_ = 0;
};

TEST_F(Access, NgUdpFromOutsideTheAllowListIsDroppedUnanswered) {
    startWith({"--control-allow=127.0.0.1/32"});
    NgUdpClient stranger(udpEndpoint(), outsider);
    EXPECT_FALSE(stranger.request(command("ping"), 500ms));
    NgUdpClient friendly(udpEndpoint(), allowed);
    auto reply = friendly.request(command("ping"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(resultOf(*reply), "pong");
    EXPECT_EQ(controlCounter("deniedngudp"), 1);
    EXPECT_EQ(controlCounter("deniedngtcp"), 0);
    EXPECT_TRUE(daemon_->waitForLog("Refused listen-ng datagram from 127.0.0.2:", 2s))
        << daemon_->log();
    EXPECT_EQ(metric(metricsPage(), "rtprelay_control_denied_total{listener=\"ng_udp\"}"), 1);
}

TEST_F(Access, NgTcpFromOutsideIsClosedAtAccept) {
    startWith({"--control-allow=127.0.0.1/32"});
    std::string ping = "c1 " + control::bencode::encode(command("ping"));
    NgTcpClient stranger(tcpEndpoint(), outsider);
    ASSERT_TRUE(stranger.connected());
    stranger.sendRaw(ping);
    EXPECT_TRUE(stranger.closedByPeer(3s));
    NgTcpClient friendly(tcpEndpoint(), allowed);
    ASSERT_TRUE(friendly.connected());
    friendly.sendRaw(ping);
    auto reply = friendly.receiveMessage(2s);
    ASSERT_TRUE(reply);
    EXPECT_EQ(*reply, "c1 d6:result4:ponge");
    EXPECT_EQ(controlCounter("deniedngtcp"), 1);
    EXPECT_TRUE(daemon_->waitForLog("Refused listen-tcp-ng connection from 127.0.0.2:", 2s))
        << daemon_->log();
}

TEST_F(Access, CliAndHttpFromOutsideAreClosedAtAccept) {
    startWith({"--control-allow=127.0.0.1/32"});
    auto refusedCli = exchange(local(cliPort_), outsider, "list numsessions\n");
    ASSERT_TRUE(refusedCli);
    EXPECT_EQ(*refusedCli, "");
    auto refusedMetrics = exchange(local(httpPort_), outsider, httpGet("/metrics"));
    ASSERT_TRUE(refusedMetrics);
    EXPECT_EQ(*refusedMetrics, "");
    auto refusedHttpCli = exchange(local(httpPort_), outsider, httpGet("/cli/list+totals"));
    ASSERT_TRUE(refusedHttpCli);
    EXPECT_EQ(*refusedHttpCli, "");

    auto totals = exchange(local(cliPort_), allowed, "list totals\n");
    ASSERT_TRUE(totals);
    EXPECT_NE(totals->find(" Refused by source address (CLI connections)     :1\n"),
              std::string::npos)
        << *totals;
    EXPECT_NE(totals->find(" Refused by source address (HTTP connections)    :2\n"),
              std::string::npos)
        << *totals;
    std::string page = metricsPage();
    EXPECT_EQ(statusOf(page), 200);
    EXPECT_EQ(metric(page, "rtprelay_control_denied_total{listener=\"cli\"}"), 1);
    EXPECT_EQ(metric(page, "rtprelay_control_denied_total{listener=\"http\"}"), 2);
    EXPECT_EQ(metric(page, "rtprelay_control_denied_total{listener=\"ng_udp\"}"), 0);
    EXPECT_EQ(controlCounter("deniedcli"), 1);
    EXPECT_EQ(controlCounter("deniedhttp"), 2);
    // The second HTTP refusal came within the log interval: one line for both.
    EXPECT_EQ(occurrences(daemon_->log(), "Refused listen-http connection"), 1u) << daemon_->log();
}

TEST_F(Access, ListenerRuleReplacesControlAllow) {
    startWith({"--control-allow=127.0.0.1/32", "--http-allow=127.0.0.2/32"});
    auto fromOutsider = exchange(local(httpPort_), outsider, httpGet("/ping"));
    ASSERT_TRUE(fromOutsider);
    EXPECT_EQ(statusOf(*fromOutsider), 200);
    EXPECT_EQ(bodyOf(*fromOutsider), "pong\n");
    auto fromLocal = exchange(local(httpPort_), allowed, httpGet("/ping"));
    ASSERT_TRUE(fromLocal);
    EXPECT_EQ(*fromLocal, "");
    NgUdpClient stranger(udpEndpoint(), outsider);
    EXPECT_FALSE(stranger.request(command("ping"), 300ms));
    EXPECT_TRUE(daemon_->waitForLog("Refused listen-http connection from 127.0.0.1:", 2s));
    EXPECT_NE(daemon_->log().find("source not in http-allow"), std::string::npos);
}

TEST_F(Access, Ipv6SourcesAndSighupReload) {
    TempDir dir;
    uint16_t v6Port = freePort(SOCK_DGRAM);
    dir.write("r.conf", "[rtpengine]\ncontrol-allow = 127.0.0.1/32\n");
    startWith({"--config-file=" + dir.file("r.conf"), "-n", "[::1]:" + std::to_string(v6Port)});
    net::Endpoint v6(loopback6, v6Port);
    {
        NgUdpClient client(v6, loopback6);
        EXPECT_FALSE(client.request(command("ping"), 500ms));
    }
    EXPECT_TRUE(daemon_->waitForLog("Refused listen-ng datagram from [::1]:", 2s))
        << daemon_->log();
    dir.write("r.conf", "[rtpengine]\ncontrol-allow = 127.0.0.1/32, ::1/128\n");
    daemon_->signal(SIGHUP);
    ASSERT_TRUE(daemon_->waitForLog(
        "Reload: control-allow changed from '127.0.0.1/32' to '127.0.0.1/32, ::1/128'", 5s))
        << daemon_->log();
    NgUdpClient client(v6, loopback6);
    auto reply = client.request(command("ping"));
    ASSERT_TRUE(reply) << daemon_->log();
    EXPECT_EQ(resultOf(*reply), "pong");
    EXPECT_EQ(controlCounter("deniedngudp"), 1);
}

TEST_F(Access, WildcardListenerWithoutAllowListIsWarnedAbout) {
    uint16_t port = freePort(SOCK_STREAM);
    start({"--listen-http=0.0.0.0:" + std::to_string(port)});
    ASSERT_TRUE(daemon_->waitForLog("Startup complete", 5s));
    std::string log = daemon_->log();
    EXPECT_NE(log.find("listen-http 0.0.0.0:" + std::to_string(port) +
                       " accepts requests from any source address: set control-allow (or "
                       "http-allow) to the networks that may use it"),
              std::string::npos)
        << log;
    // Loopback listeners are not worth a warning.
    EXPECT_EQ(log.find("listen-ng 127.0.0.1:"), std::string::npos) << log;
    EXPECT_EQ(occurrences(log, "accepts requests from any source address"), 1u) << log;
}

TEST_F(Access, WildcardListenerWithAllowListIsNotWarnedAbout) {
    uint16_t port = freePort(SOCK_STREAM);
    start({"--listen-http=0.0.0.0:" + std::to_string(port), "--control-allow=127.0.0.1/32"});
    ASSERT_TRUE(daemon_->waitForLog("Startup complete", 5s));
    std::string log = daemon_->log();
    EXPECT_EQ(log.find("accepts requests from any source address"), std::string::npos) << log;
    EXPECT_NE(log.find("listen-http serves 127.0.0.1/32 (control-allow)"), std::string::npos)
        << log;
}

TEST_F(Access, NgOverHttpUsesTheRetransmissionCache) {
    startWith({});
    int64_t before = controlCounter("totalrequestcount");
    std::string request = "http1 " + control::bencode::encode(command("ping"));
    auto first = exchange(local(httpPort_), allowed, httpPostNg(request));
    ASSERT_TRUE(first);
    EXPECT_EQ(statusOf(*first), 200) << *first;
    EXPECT_NE(first->find("\r\nContent-Type: application/x-rtpengine-ng\r\n"), std::string::npos);
    EXPECT_EQ(bodyOf(*first), "http1 d6:result4:ponge");
    auto again = exchange(local(httpPort_), allowed, httpPostNg(request));
    ASSERT_TRUE(again);
    EXPECT_EQ(bodyOf(*again), "http1 d6:result4:ponge");
    // The statistics request before, and one ping: the retransmission was not run again.
    EXPECT_EQ(controlCounter("totalrequestcount"), before + 2);

    auto wrongType = exchange(local(httpPort_), allowed, httpPostNg(request, {}, "text/plain"));
    ASSERT_TRUE(wrongType);
    EXPECT_EQ(statusOf(*wrongType), 415);
    auto get = exchange(local(httpPort_), allowed, httpGet("/ng"));
    ASSERT_TRUE(get);
    EXPECT_EQ(statusOf(*get), 405);
    auto noCookie = exchange(local(httpPort_), allowed, httpPostNg("d7:command4:pinge"));
    ASSERT_TRUE(noCookie);
    EXPECT_EQ(statusOf(*noCookie), 400);
    auto tooLarge = exchange(local(httpPort_), allowed,
                             "POST /ng HTTP/1.1\r\nContent-Type: application/x-rtpengine-ng\r\n"
                             "Content-Length: 70000\r\n\r\n");
    ASSERT_TRUE(tooLarge);
    EXPECT_EQ(statusOf(*tooLarge), 413);
    auto noLength = exchange(local(httpPort_), allowed,
                             "POST /ng HTTP/1.1\r\nContent-Type: application/x-rtpengine-ng\r\n"
                             "\r\n" +
                                 request);
    ASSERT_TRUE(noLength);
    EXPECT_EQ(statusOf(*noLength), 411);
    auto chunked =
        exchange(local(httpPort_), allowed, httpPostNg(request, "Transfer-Encoding: chunked\r\n"));
    ASSERT_TRUE(chunked);
    EXPECT_EQ(statusOf(*chunked), 501);
    // A body arriving after the head, in pieces.
    std::string offerLike = "http2 " + control::bencode::encode(command("list"));
    std::string whole = httpPostNg(offerLike);
    int fd = socketFrom(local(httpPort_), SOCK_STREAM, allowed);
    sockaddr_storage ss;
    socklen_t len = local(httpPort_).toSockaddr(ss);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&ss), len), 0);
    size_t split = whole.size() - 5;
    ASSERT_EQ(::send(fd, whole.data(), split, MSG_NOSIGNAL), static_cast<ssize_t>(split));
    std::this_thread::sleep_for(100ms);
    ASSERT_EQ(::send(fd, whole.data() + split, 5, MSG_NOSIGNAL), 5);
    std::string out = readUntilClosed(fd, 3s).value_or("");
    ::close(fd);
    EXPECT_EQ(statusOf(out), 200) << out;
    EXPECT_EQ(bodyOf(out).rfind("http2 d", 0), 0u) << out;
}

TEST_F(Access, NgOverHttpNeedsTheSecretWhenSet) {
    startWith({"--http-secret=s3cret-Token"});
    std::string request = "sec1 " + control::bencode::encode(command("ping"));
    auto right = exchange(local(httpPort_), allowed,
                          httpPostNg(request, "Authorization: Bearer s3cret-Token\r\n"));
    ASSERT_TRUE(right);
    EXPECT_EQ(statusOf(*right), 200) << *right;
    EXPECT_EQ(bodyOf(*right), "sec1 d6:result4:ponge");
    int64_t pings = controlCounter("totalpingcount");

    auto missing = exchange(local(httpPort_), allowed, httpPostNg(request));
    ASSERT_TRUE(missing);
    EXPECT_EQ(statusOf(*missing), 401) << *missing;
    EXPECT_NE(missing->find("\r\nWWW-Authenticate: Bearer realm=\"rtprelay\"\r\n"),
              std::string::npos);
    auto wrong = exchange(local(httpPort_), allowed,
                          httpPostNg(request, "Authorization: Bearer s3cret-Tokem\r\n"));
    ASSERT_TRUE(wrong);
    EXPECT_EQ(statusOf(*wrong), 403) << *wrong;
    auto prefix = exchange(local(httpPort_), allowed,
                           httpPostNg(request, "Authorization: Bearer s3cret-Token2\r\n"));
    ASSERT_TRUE(prefix);
    EXPECT_EQ(statusOf(*prefix), 403) << *prefix;
    auto basic = exchange(local(httpPort_), allowed,
                          httpPostNg(request, "Authorization: Basic czNjcmV0LVRva2Vu\r\n"));
    ASSERT_TRUE(basic);
    EXPECT_EQ(statusOf(*basic), 401) << *basic;
    auto cli = exchange(local(httpPort_), allowed, httpGet("/cli/list+numsessions"));
    ASSERT_TRUE(cli);
    EXPECT_EQ(statusOf(*cli), 401) << *cli;
    auto cliRight =
        exchange(local(httpPort_), allowed,
                 httpGet("/cli/list+numsessions", "authorization: bearer s3cret-Token\r\n"));
    ASSERT_TRUE(cliRight);
    EXPECT_EQ(statusOf(*cliRight), 200) << *cliRight;

    // /metrics stays open for scrapers, and counts the refusals.
    std::string page = metricsPage();
    EXPECT_EQ(statusOf(page), 200);
    EXPECT_EQ(metric(page, "rtprelay_http_unauthorized_total"), 5);
    EXPECT_EQ(controlCounter("unauthorizedhttp"), 5);
    // The refused requests never reached the ng path.
    EXPECT_EQ(controlCounter("totalpingcount"), pings);
    // Refusals within the log interval share one line.
    std::string log = daemon_->log();
    EXPECT_EQ(occurrences(log, ": no http-secret") + occurrences(log, ": wrong http-secret"), 1u)
        << log;
}

TEST_F(Access, DeniedFloodLeavesAllowedNgPrompt) {
    startWith({"--control-allow=127.0.0.1/32"});
    constexpr int floodSize = 3000;
    NgUdpClient stranger(udpEndpoint(), outsider);
    // Valid, small pings: without the rule each one would be answered and logged.
    std::string datagram = "flood " + control::bencode::encode(command("ping"));
    for (int i = 0; i < floodSize; ++i) {
        stranger.sendRaw(datagram);
    }
    NgUdpClient friendly(udpEndpoint(), allowed);
    auto started = std::chrono::steady_clock::now();
    auto reply = friendly.request(command("ping"), 5s);
    ASSERT_TRUE(reply) << "no answer within 5 s after a flood of " << floodSize;
    EXPECT_EQ(resultOf(*reply), "pong");
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    EXPECT_FALSE(stranger.receiveRaw(200ms)) << "the flood was answered";
    int64_t denied = controlCounter("deniedngudp");
    EXPECT_GT(denied, 0);
    EXPECT_LE(denied, floodSize);
    // Rate-limited: one line (two if the flood straddled the interval), not one per datagram.
    EXPECT_LE(occurrences(daemon_->log(), "Refused listen-ng datagram"), 2u);
    EXPECT_GE(occurrences(daemon_->log(), "Refused listen-ng datagram"), 1u);
    std::cout << "[          ] " << denied << " of " << floodSize
              << " flood datagrams refused; allowed ping answered after " << took.count()
              << " ms\n";
}

}  // namespace
}  // namespace rtprelay::test
