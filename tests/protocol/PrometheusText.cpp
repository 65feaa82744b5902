#include "protocol/PrometheusText.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string_view>

namespace rtprelay::test {

namespace {

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

}  // namespace

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

}  // namespace rtprelay::test
