#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rtprelay::test {

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

// Parses a whole /metrics page; on failure returns nullopt and says why in `error`.
std::optional<Exposition> parseExposition(const std::string& text, std::string& error);

}  // namespace rtprelay::test
