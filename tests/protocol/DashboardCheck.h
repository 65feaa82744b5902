#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocol/PrometheusText.h"

namespace rtprelay::test {

// contrib/grafana/rtprelay-dashboard.json, or the file RTPRELAY_DASHBOARD names.
std::string dashboardPath();
std::optional<nlohmann::json> loadDashboard();

struct DashboardReport {
    std::vector<std::string> problems;  // one line each, saying where
    size_t queries = 0;                 // PromQL expressions read (targets and variables)
    std::set<std::string> used;         // metric names they select
};

// Every metric name of the dashboard's PromQL (panel targets, rows' panels, label_values()
// variables) must be on `page`, with each label it matches on, each literal value of `=`
// matchers and each word of `=~"a|b"` alternations; other regexes must match some value.
// Metrics in `skipped` are only collected into `used`.
DashboardReport checkDashboard(const nlohmann::json& dashboard, const Exposition& page,
                               const std::set<std::string>& skipped = {});

}  // namespace rtprelay::test
