#include "ops/PrometheusWriter.h"

#include <fmt/format.h>

#include <cmath>

namespace rtprelay::ops {

namespace {

std::string escapeHelp(std::string_view help) {
    std::string out;
    for (char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

std::string PrometheusWriter::escapeLabelValue(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

void PrometheusWriter::add(const std::string& name, std::string_view type, std::string_view help,
                           const Labels& labels, uint64_t value) {
    addSample(name, type, help, labels, std::to_string(value));
}

void PrometheusWriter::add(const std::string& name, std::string_view type, std::string_view help,
                           const Labels& labels, double value) {
    std::string text;
    if (std::isnan(value)) {
        text = "NaN";
    } else if (std::isinf(value)) {
        text = value > 0 ? "+Inf" : "-Inf";
    } else {
        text = fmt::format("{}", value);
    }
    addSample(name, type, help, labels, text);
}

void PrometheusWriter::addSample(const std::string& name, std::string_view type,
                                 std::string_view help, const Labels& labels,
                                 const std::string& value) {
    std::string series = name;
    if (!labels.empty()) {
        series += '{';
        for (size_t i = 0; i < labels.size(); ++i) {
            series += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first,
                                  escapeLabelValue(labels[i].second));
        }
        series += '}';
    }
    if (!seen_.insert(series).second) {
        return;
    }
    auto [it, inserted] = byName_.emplace(name, families_.size());
    if (inserted) {
        families_.push_back(Family{name, std::string(type), escapeHelp(help), {}});
    }
    families_[it->second].samples.push_back(series + " " + value);
}

std::string PrometheusWriter::text() const {
    std::string out;
    for (const auto& f : families_) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, f.help, f.name, f.type);
        for (const auto& s : f.samples) {
            out += s;
            out += '\n';
        }
    }
    return out;
}

}  // namespace rtprelay::ops
