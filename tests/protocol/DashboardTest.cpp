// The Grafana dashboard in contrib/grafana uses only metrics rtprelayd exports: every metric
// name in its PromQL expressions (and in its variable queries) must appear on GET /metrics of
// a real daemon carrying calls with media, with the labels and label values the dashboard
// selects on. Renaming a metric or a label value without updating the dashboard fails here.
// This file checks the daemon in userspace (table = -1); DashboardKernelTest.cpp checks it
// with the eBPF fast path, where the kernel-only metrics below exist too.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "protocol/DashboardCheck.h"
#include "protocol/DashboardFixture.h"
#include "protocol/PromqlSelectors.h"

namespace rtprelay::test {
namespace {

using nlohmann::json;

// Exported only while the eBPF program is attached (table >= 0).
const std::set<std::string> kernelOnly = {"rtprelay_kernel_verdicts_total"};

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

class Dashboard : public DashboardFixture {
protected:
    void SetUp() override { startWithHttp("-1"); }
};

TEST_F(Dashboard, UsesOnlyMetricsTheDaemonExports) {
    auto dashboard = loadDashboard();
    ASSERT_TRUE(dashboard) << "cannot read " << dashboardPath() << " as JSON";

    // Importable with a Prometheus data source chosen at import time.
    bool hasInput = false;
    for (const auto& input : dashboard->value("__inputs", json::array())) {
        hasInput = hasInput || (input.value("name", "") == "DS_PROMETHEUS" &&
                                input.value("pluginId", "") == "prometheus");
    }
    EXPECT_TRUE(hasInput) << "no __inputs entry DS_PROMETHEUS for the prometheus plugin";

    driveTraffic();
    Exposition page = metrics();
    ASSERT_GT(page.types.size(), 15u) << "the page looks empty; daemon log:\n" << daemon_->log();
    DashboardReport report = checkDashboard(*dashboard, page, kernelOnly);
    // The kernel-only list is right: those names are not on a userspace daemon's page (and
    // the kernel test checks them).
    for (const auto& name : kernelOnly) {
        EXPECT_FALSE(page.types.count(name)) << name << " is exported with table = -1 after all";
    }
    // A dashboard that lost its panels (or a scanner that finds nothing) must not pass.
    EXPECT_GE(report.queries, 20u);
    EXPECT_GE(report.used.size(), 12u);
    std::ostringstream lines;
    for (const auto& p : report.problems) {
        lines << "  " << p << "\n";
    }
    EXPECT_TRUE(report.problems.empty()) << dashboardPath() << ":\n" << lines.str();
}

// Panels sit on Grafana's 24-column grid without overlapping.
TEST(DashboardLayout, PanelsFitTheGridWithoutOverlap) {
    auto loaded = loadDashboard();
    ASSERT_TRUE(loaded) << "cannot read " << dashboardPath() << " as JSON";
    const json& dashboard = *loaded;
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
