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

#include "protocol/MediaPeer.h"
#include "protocol/SignallingFixture.h"

namespace rtprelay::test {
namespace {

using control::bencode::Value;
using namespace std::chrono_literals;

// A small parser for the Prometheus text exposition format 0.0.4, strict about what the
// format requires: HELP and TYPE at most once per name and before its samples, the samples of
// a name in one group, well-formed names, labels and values, no series twice.
struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct Exposition {
    std::vector<Sample> samples;
    std::map<std::string, std::string> types;
    std::map<std::string, std::string> helps;

    std::optional<double> value(const std::string& name,
                                const std::map<std::string, std::string>& labels = {}) const {
        for (const auto& s : samples) {
            if (s.name == name && s.labels == labels) {
                return s.value;
            }
        }
        return std::nullopt;
    }
};

bool isMetricName(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) {
        return false;
    }
    for (char c : s) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') {
            return false;
        }
    }
    return true;
}

bool isLabelName(std::string_view s) {
    return isMetricName(s) && s.find(':') == std::string_view::npos;
}

std::optional<double> parseValue(const std::string& s) {
    if (s == "NaN") {
        return std::nan("");
    }
    if (s == "+Inf" || s == "Inf") {
        return INFINITY;
    }
    if (s == "-Inf") {
        return -INFINITY;
    }
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) {
        return std::nullopt;
    }
    return v;
}

std::optional<Exposition> parseExposition(const std::string& text, std::string& error) {
    Exposition out;
    if (!text.empty() && text.back() != '\n') {
        error = "the last line has no line feed";
        return std::nullopt;
    }
    std::set<std::string> finished;  // names whose group of samples has ended
    std::set<std::string> series;
    std::string current;
    std::istringstream in(text);
    size_t number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        auto fail = [&](const std::string& why) {
            error = "line " + std::to_string(number) + ": " + why + ": " + line;
            return std::nullopt;
        };
        if (line.empty()) {
            continue;
        }
        auto startGroup = [&](const std::string& name) {
            if (name != current) {
                if (!current.empty()) {
                    finished.insert(current);
                }
                current = name;
            }
            return finished.count(name) == 0;
        };
        if (line[0] == '#') {
            std::istringstream words(line.substr(1));
            std::string keyword, name;
            words >> keyword >> name;
            if (keyword != "HELP" && keyword != "TYPE") {
                continue;  // a plain comment
            }
            if (!isMetricName(name)) {
                return fail("bad metric name");
            }
            std::string rest;
            std::getline(words, rest);
            rest = rest.empty() ? rest : rest.substr(1);
            auto& map = keyword == "HELP" ? out.helps : out.types;
            if (map.count(name)) {
                return fail(keyword + " twice");
            }
            if (!startGroup(name)) {
                return fail(keyword + " after the samples of its name ended");
            }
            for (const auto& s : out.samples) {
                if (s.name == name) {
                    return fail(keyword + " after samples");
                }
            }
            if (keyword == "TYPE" && rest != "counter" && rest != "gauge" && rest != "histogram" &&
                rest != "summary" && rest != "untyped") {
                return fail("bad type");
            }
            map[name] = rest;
            continue;
        }
        Sample s;
        size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ') {
            ++i;
        }
        s.name = line.substr(0, i);
        if (!isMetricName(s.name)) {
            return fail("bad metric name");
        }
        std::string key = s.name + "{";
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                size_t eq = line.find('=', i);
                if (eq == std::string::npos) {
                    return fail("label without '='");
                }
                std::string label = line.substr(i, eq - i);
                if (!isLabelName(label) || eq + 1 >= line.size() || line[eq + 1] != '"') {
                    return fail("bad label");
                }
                std::string value;
                size_t j = eq + 2;
                for (; j < line.size() && line[j] != '"'; ++j) {
                    if (line[j] == '\\') {
                        if (++j >= line.size()) {
                            return fail("bad escape");
                        }
                        char c = line[j];
                        if (c == 'n') {
                            value += '\n';
                        } else if (c == '\\' || c == '"') {
                            value += c;
                        } else {
                            return fail("bad escape");
                        }
                    } else {
                        value += line[j];
                    }
                }
                if (j >= line.size()) {
                    return fail("unterminated label value");
                }
                if (s.labels.count(label)) {
                    return fail("label twice");
                }
                s.labels[label] = value;
                i = j + 1;
                if (i < line.size() && line[i] == ',') {
                    ++i;
                }
            }
            if (i >= line.size()) {
                return fail("unterminated labels");
            }
            ++i;
        }
        for (const auto& [k, v] : s.labels) {
            key += k + "=" + v + ",";
        }
        if (i >= line.size() || line[i] != ' ') {
            return fail("no value");
        }
        std::istringstream rest(line.substr(i + 1));
        std::string valueText, timestamp, extra;
        rest >> valueText >> timestamp >> extra;
        auto value = parseValue(valueText);
        if (!value || !extra.empty()) {
            return fail("bad value");
        }
        s.value = *value;
        if (!startGroup(s.name)) {
            return fail("samples of one name not grouped");
        }
        if (!series.insert(key).second) {
            return fail("series twice");
        }
        out.samples.push_back(std::move(s));
    }
    return out;
}

struct HttpResponse {
    int status = 0;
    std::string head;
    std::string body;
};

std::optional<HttpResponse> httpExchange(uint16_t port, const std::string& request,
                                         bool halfClose = false) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    size_t sent = 0;
    while (sent < request.size()) {
        ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            break;
        }
        sent += static_cast<size_t>(n);
    }
    if (halfClose) {
        ::shutdown(fd, SHUT_WR);
    }
    std::string raw;
    char buf[16384];
    auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::close(fd);
                return std::nullopt;
            }
            continue;
        }
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            break;
        }
        raw.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    size_t end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) {
        return std::nullopt;
    }
    HttpResponse r;
    r.status = std::stoi(raw.substr(9, 3));
    r.head = raw.substr(0, end + 2);
    r.body = raw.substr(end + 4);
    size_t length = r.head.find("Content-Length: ");
    if (length == std::string::npos) {
        return std::nullopt;
    }
    if (request.rfind("HEAD ", 0) != 0 && std::stoul(r.head.substr(length + 16)) != r.body.size()) {
        return std::nullopt;
    }
    return r;
}

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
          "rtprelay_kernel_entries", "rtprelay_nftables_managed",
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
