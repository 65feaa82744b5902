#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtprelay::test {

// One label matcher of a PromQL vector selector: `type="kernel"`, `reason=~"a|b"`.
struct LabelMatcher {
    std::string label;
    std::string op;  // =, !=, =~, !~
    std::string value;
};

// A metric name as it appears in a PromQL expression, with the matchers in its braces.
struct PromqlSelector {
    std::string metric;
    std::vector<LabelMatcher> matchers;
};

// The vector selectors of a PromQL expression as Grafana stores it (Grafana variables such as
// $instance or ${__rate_interval} may appear). Function and aggregation names, keywords, the
// label lists of by/without/on/ignoring/group_left/group_right, strings, numbers, durations
// and ranges are not metric names. Returns nullopt with the reason in `error` for input it
// cannot read (unbalanced brackets, a selector without a metric name, a bad matcher).
std::optional<std::vector<PromqlSelector>> promqlSelectors(std::string_view expr,
                                                           std::string& error);

}  // namespace rtprelay::test
