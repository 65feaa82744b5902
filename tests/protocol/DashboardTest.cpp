// The Grafana dashboard in contrib/grafana uses only metrics rtprelayd exports: every metric
// name in its PromQL expressions (and in its variable queries) must appear on GET /metrics of
// a real daemon carrying a call with media, with the labels and label values the dashboard
// selects on. Renaming a metric or a label value without updating the dashboard fails here.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "protocol/HttpClient.h"
#include "protocol/MediaPeer.h"
#include "protocol/PrometheusText.h"
#include "protocol/PromqlSelectors.h"
#include "protocol/SignallingFixture.h"

namespace rtprelay::test {
namespace {

using control::bencode::Value;
using nlohmann::json;
using namespace std::chrono_literals;

// RTPRELAY_DASHBOARD overrides the file, to check another dashboard against the daemon.
std::string dashboardPath() {
    const char* path = std::getenv("RTPRELAY_DASHBOARD");
    return path && *path ? path : RTPRELAY_SOURCE_DIR "/contrib/grafana/rtprelay-dashboard.json";
}

// A PromQL expression of the dashboard and where it is used.
struct Query {
    std::string where;
    std::string expr;
};

void collectPanelQueries(const json& panels, std::vector<Query>& out) {
    for (const auto& panel : panels) {
        std::string title = panel.value("title", std::string("(untitled)"));
        if (panel.contains("panels")) {  // a row holds its panels when collapsed
            collectPanelQueries(panel["panels"], out);
        }
        for (const auto& target : panel.value("targets", json::array())) {
            out.push_back({"panel \"" + title + "\" target " + target.value("refId", ""),
                           target.value("expr", "")});
        }
    }
}

// Grafana's label_values(METRIC, LABEL) as a PromQL selector for METRIC; other variable query
// shapes are reported so the test grows with the dashboard instead of skipping them.
std::vector<Query> variableQueries(const json& dashboard, std::vector<std::string>& problems) {
    std::vector<Query> out;
    std::regex labelValues(R"(^\s*label_values\(\s*(.+)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$)");
    for (const auto& v : dashboard["templating"].value("list", json::array())) {
        if (v.value("type", "") != "query") {
            continue;
        }
        std::string query =
            v["query"].is_string() ? v["query"].get<std::string>() : v["query"].value("query", "");
        std::smatch m;
        if (!std::regex_match(query, m, labelValues)) {
            problems.push_back("variable " + v.value("name", "") +
                               ": query not understood: " + query);
            continue;
        }
        out.push_back({"variable " + v.value("name", ""), m[1]});
    }
    return out;
}

std::string sdpFor(const MediaPeer& peer) {
    std::string a = peer.address().toString();
    return "v=0\r\no=- 1 1 IN IP4 " + a + "\r\ns=-\r\nc=IN IP4 " + a + "\r\nt=0 0\r\nm=audio " +
           std::to_string(peer.port()) + " RTP/AVP 0\r\n";
}

// Labels Prometheus adds to every scraped series; they are not on the page.
bool isTargetLabel(const std::string& label) {
    return label == "instance" || label == "job";
}

TEST(PromqlSelectors, FindsMetricNamesAndTheirMatchers) {
    std::string error;
    auto s = promqlSelectors(
        R"q(sum by (request) (rate(rtpengine_request_seconds_total{instance=~"$instance"}[$__rate_interval]))
           / on (request) group_left sum without (proxy) (rate(rtpengine_requests_total[5m] offset 1h))
           + 60 * max(rtpengine_ports_used{name="a,}b", address!~'x'}) > bool 1e+3
           or label_replace(up, "dst", "$1", "src", "(.*)") unless count_values("v", rtprelay_x))q",
        error);
    ASSERT_TRUE(s) << error;
    std::vector<std::string> names;
    for (const auto& sel : *s) {
        names.push_back(sel.metric);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"rtpengine_request_seconds_total",
                                               "rtpengine_requests_total", "rtpengine_ports_used",
                                               "up", "rtprelay_x"}));
    ASSERT_EQ((*s)[0].matchers.size(), 1u);
    EXPECT_EQ((*s)[0].matchers[0].op, "=~");
    ASSERT_EQ((*s)[2].matchers.size(), 2u);
    EXPECT_EQ((*s)[2].matchers[0].value, "a,}b");
    EXPECT_EQ((*s)[2].matchers[1].label, "address");
    EXPECT_EQ((*s)[2].matchers[1].op, "!~");

    for (const char* bad :
         {"sum(rate(x[5m])", "x{a=\"b\"", "{a=\"b\"}", "x{a b}", "x)", "x]", "x{a=\"b}"}) {
        EXPECT_FALSE(promqlSelectors(bad, error)) << bad;
    }
}

class Dashboard : public SignallingFixture {
protected:
    void SetUp() override {
        httpPort_ = freePort(SOCK_STREAM);
        startDaemon({"--listen-http=127.0.0.1:" + std::to_string(httpPort_), "--table=-1",
                     "--delete-delay=0"});
    }

    // Two calls with RTP both ways, a stranger's packets (foreign-source drops), a request
    // answered with an error, a ping and a delete: every family of series the page has.
    void driveTraffic() {
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

TEST_F(Dashboard, UsesOnlyMetricsTheDaemonExports) {
    std::ifstream in(dashboardPath());
    ASSERT_TRUE(in) << "cannot read " << dashboardPath();
    json dashboard = json::parse(in, nullptr, false);
    ASSERT_FALSE(dashboard.is_discarded()) << dashboardPath() << " is not valid JSON";

    // Importable with a Prometheus data source chosen at import time.
    bool hasInput = false;
    for (const auto& input : dashboard.value("__inputs", json::array())) {
        hasInput = hasInput || (input.value("name", "") == "DS_PROMETHEUS" &&
                                input.value("pluginId", "") == "prometheus");
    }
    EXPECT_TRUE(hasInput) << "no __inputs entry DS_PROMETHEUS for the prometheus plugin";

    std::vector<std::string> problems;
    std::vector<Query> queries;
    collectPanelQueries(dashboard.value("panels", json::array()), queries);
    for (auto& q : variableQueries(dashboard, problems)) {
        queries.push_back(std::move(q));
    }

    driveTraffic();
    Exposition page = metrics();
    std::map<std::string, std::vector<const Sample*>> byName;
    for (const auto& s : page.samples) {
        byName[s.name].push_back(&s);
    }
    ASSERT_GT(byName.size(), 15u) << "the page looks empty; daemon log:\n" << daemon_->log();

    std::set<std::string> used;
    for (const auto& q : queries) {
        std::string error;
        auto selectors = promqlSelectors(q.expr, error);
        if (!selectors) {
            problems.push_back(q.where + ": " + error);
            continue;
        }
        if (selectors->empty()) {
            problems.push_back(q.where + ": no metric in " + q.expr);
        }
        for (const auto& sel : *selectors) {
            used.insert(sel.metric);
            auto found = byName.find(sel.metric);
            if (found == byName.end()) {
                problems.push_back(q.where + ": " + sel.metric + " is not exported by rtprelayd");
                continue;
            }
            for (const auto& m : sel.matchers) {
                if (isTargetLabel(m.label)) {
                    continue;
                }
                // A regex that is a plain alternation of words (reason=~"timeout|final_timeout")
                // must find every word: renaming one label value is caught too.
                std::vector<std::string> wanted;
                if (m.op == "=") {
                    wanted.push_back(m.value);
                } else if (m.op == "=~" &&
                           std::regex_match(m.value,
                                            std::regex("[A-Za-z0-9_]+(\\|[A-Za-z0-9_]+)*"))) {
                    std::stringstream words(m.value);
                    for (std::string w; std::getline(words, w, '|');) {
                        wanted.push_back(w);
                    }
                }
                bool literal = m.value.find('$') == std::string::npos;
                bool hasLabel = false;
                bool regexMatches = m.op != "=~" || !literal || !wanted.empty();
                std::set<std::string> values;
                for (const Sample* s : found->second) {
                    auto it = s->labels.find(m.label);
                    if (it == s->labels.end()) {
                        continue;
                    }
                    hasLabel = true;
                    values.insert(it->second);
                    regexMatches =
                        regexMatches || std::regex_match(it->second, std::regex(m.value));
                }
                for (const auto& w : wanted) {
                    if (hasLabel && literal && !values.count(w)) {
                        problems.push_back(q.where + ": no series of " + sel.metric + " has " +
                                           m.label + "=\"" + w + "\"");
                    }
                }
                if (!hasLabel) {
                    problems.push_back(q.where + ": " + sel.metric + " has no label " + m.label);
                } else if (literal && !regexMatches) {
                    problems.push_back(q.where + ": no series of " + sel.metric + " matches " +
                                       m.label + m.op + "\"" + m.value + "\"");
                }
            }
        }
    }
    // A dashboard that lost its panels (or a scanner that finds nothing) must not pass.
    EXPECT_GE(queries.size(), 20u);
    EXPECT_GE(used.size(), 12u);
    std::ostringstream report;
    for (const auto& p : problems) {
        report << "  " << p << "\n";
    }
    EXPECT_TRUE(problems.empty()) << dashboardPath() << ":\n" << report.str();
}

// Panels sit on Grafana's 24-column grid without overlapping.
TEST(DashboardLayout, PanelsFitTheGridWithoutOverlap) {
    std::ifstream in(dashboardPath());
    ASSERT_TRUE(in);
    json dashboard = json::parse(in, nullptr, false);
    ASSERT_FALSE(dashboard.is_discarded());
    std::set<std::pair<int, int>> cells;
    for (const auto& panel : dashboard.value("panels", json::array())) {
        const auto& g = panel.at("gridPos");
        int x = g.at("x"), y = g.at("y"), w = g.at("w"), h = g.at("h");
        EXPECT_TRUE(x >= 0 && w > 0 && x + w <= 24) << panel.value("title", "");
        for (int r = y; r < y + h; ++r) {
            for (int c = x; c < x + w; ++c) {
                EXPECT_TRUE(cells.insert({r, c}).second)
                    << panel.value("title", "") << " overlaps another panel at " << c << "," << r;
            }
        }
    }
}

}  // namespace
}  // namespace rtprelay::test
