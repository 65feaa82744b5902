#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtprelay::ops {

// Prometheus text exposition format 0.0.4. Samples are grouped by metric name whatever the
// order they are added in, so each name gets exactly one `# HELP` and one `# TYPE` line;
// a second sample with the same name and labels is dropped.
class PrometheusWriter {
public:
    using Labels = std::vector<std::pair<std::string, std::string>>;

    void add(const std::string& name, std::string_view type, std::string_view help,
             const Labels& labels, uint64_t value);
    void add(const std::string& name, std::string_view type, std::string_view help,
             const Labels& labels, double value);
    std::string text() const;

    // Label values: backslash, double quote and line feed escaped.
    static std::string escapeLabelValue(std::string_view value);

private:
    struct Family {
        std::string name;
        std::string type;
        std::string help;
        std::vector<std::string> samples;
    };
    void addSample(const std::string& name, std::string_view type, std::string_view help,
                   const Labels& labels, const std::string& value);

    std::vector<Family> families_;
    std::map<std::string, size_t> byName_;
    std::set<std::string> seen_;  // "name{labels}"
};

}  // namespace rtprelay::ops
