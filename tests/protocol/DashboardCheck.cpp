#include "protocol/DashboardCheck.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "protocol/PromqlSelectors.h"

namespace rtprelay::test {

using nlohmann::json;

namespace {

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

// Labels Prometheus adds to every scraped series; they are not on the page.
bool isTargetLabel(const std::string& label) {
    return label == "instance" || label == "job";
}

}  // namespace

std::string dashboardPath() {
    const char* path = std::getenv("RTPRELAY_DASHBOARD");
    return path && *path ? path : RTPRELAY_SOURCE_DIR "/contrib/grafana/rtprelay-dashboard.json";
}

std::optional<json> loadDashboard() {
    std::ifstream in(dashboardPath());
    if (!in) {
        return std::nullopt;
    }
    json dashboard = json::parse(in, nullptr, false);
    if (dashboard.is_discarded()) {
        return std::nullopt;
    }
    return dashboard;
}

DashboardReport checkDashboard(const json& dashboard, const Exposition& page,
                               const std::set<std::string>& skipped) {
    DashboardReport report;
    auto& problems = report.problems;
    auto& used = report.used;
    std::vector<Query> queries;
    collectPanelQueries(dashboard.value("panels", json::array()), queries);
    for (auto& q : variableQueries(dashboard, problems)) {
        queries.push_back(std::move(q));
    }
    report.queries = queries.size();
    std::map<std::string, std::vector<const Sample*>> byName;
    for (const auto& s : page.samples) {
        byName[s.name].push_back(&s);
    }
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
            if (skipped.count(sel.metric)) {
                continue;
            }
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
    return report;
}

}  // namespace rtprelay::test
