#include "protocol/PromqlSelectors.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace rtprelay::test {

namespace {

bool isIdentifierStart(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

bool isIdentifierChar(char c) {
    return isIdentifierStart(c) || std::isdigit(static_cast<unsigned char>(c));
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Keywords followed by a parenthesised list of label names.
bool takesLabelList(const std::string& word) {
    constexpr std::array<std::string_view, 6> words = {"by",       "without",    "on",
                                                       "ignoring", "group_left", "group_right"};
    return std::find(words.begin(), words.end(), word) != words.end();
}

// Aggregation operators may put their `by (...)` between the name and the parenthesis.
bool isAggregation(const std::string& word) {
    constexpr std::array<std::string_view, 14> words = {
        "sum",   "min",  "max",     "avg",          "group",    "stddev", "stdvar",
        "count", "topk", "bottomk", "count_values", "quantile", "limitk", "limit_ratio"};
    return std::find(words.begin(), words.end(), word) != words.end();
}

bool isKeyword(const std::string& word) {
    constexpr std::array<std::string_view, 8> words = {"and",    "or",    "unless", "bool",
                                                       "offset", "atan2", "inf",    "nan"};
    std::string l = lower(word);
    return std::find(words.begin(), words.end(), l) != words.end();
}

class Scanner {
public:
    Scanner(std::string_view text, std::string& error) : text_(text), error_(error) {}

    std::optional<std::vector<PromqlSelector>> run() {
        std::vector<PromqlSelector> out;
        bool selectorOpen = false;  // the last token was a metric name: `{` belongs to it
        while (skipSpace()) {
            char c = text_[i_];
            if (c == '"' || c == '\'' || c == '`') {
                if (!string()) {
                    return std::nullopt;
                }
                selectorOpen = false;
            } else if (c == '[') {
                if (!skipPast(']')) {
                    return std::nullopt;
                }
                selectorOpen = false;
            } else if (c == '{') {
                if (!selectorOpen) {
                    return fail("a selector without a metric name");
                }
                ++i_;
                if (!matchers(out.back().matchers)) {
                    return std::nullopt;
                }
                selectorOpen = false;
            } else if (c == '$') {
                variable();
                selectorOpen = false;
            } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
                number();
                selectorOpen = false;
            } else if (isIdentifierStart(c)) {
                std::string word = identifier();
                bool call = skipSpace() && text_[i_] == '(';
                selectorOpen = false;
                if (takesLabelList(word)) {
                    if (call && !skipPast(')')) {
                        return std::nullopt;
                    }
                } else if (!call && !isKeyword(word) && !isAggregation(word)) {
                    out.push_back({word, {}});
                    selectorOpen = true;
                }
            } else {
                if (c == '}' || c == ']') {
                    return fail(std::string("unbalanced '") + c + "'");
                }
                if (c == '(') {
                    ++depth_;
                } else if (c == ')' && --depth_ < 0) {
                    return fail("unbalanced ')'");
                }
                ++i_;
                selectorOpen = false;
            }
        }
        if (depth_ != 0) {
            return fail("unbalanced '('");
        }
        return out;
    }

private:
    std::nullopt_t fail(const std::string& why) {
        error_ = why + " at offset " + std::to_string(i_) + " of: " + std::string(text_);
        return std::nullopt;
    }

    bool skipSpace() {
        while (i_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[i_]))) {
            ++i_;
        }
        return i_ < text_.size();
    }

    std::string identifier() {
        size_t start = i_;
        while (i_ < text_.size() && isIdentifierChar(text_[i_])) {
            ++i_;
        }
        return std::string(text_.substr(start, i_ - start));
    }

    // 5, 0.5, 1e3, 1e+3, 0x1f, and durations such as 5m or 1h30m.
    void number() {
        while (i_ < text_.size() && (isIdentifierChar(text_[i_]) || text_[i_] == '.')) {
            char prev = text_[i_++];
            if ((prev == 'e' || prev == 'E') && i_ < text_.size() &&
                (text_[i_] == '+' || text_[i_] == '-')) {
                ++i_;
            }
        }
    }

    // $name or ${name} or ${name:format}.
    void variable() {
        ++i_;
        if (i_ < text_.size() && text_[i_] == '{') {
            size_t end = text_.find('}', i_);
            i_ = end == std::string_view::npos ? text_.size() : end + 1;
            return;
        }
        identifier();
    }

    std::optional<std::string> string() {
        char quote = text_[i_++];
        std::string value;
        while (i_ < text_.size() && text_[i_] != quote) {
            if (text_[i_] == '\\' && quote != '`' && i_ + 1 < text_.size()) {
                ++i_;
            }
            value += text_[i_++];
        }
        if (i_ >= text_.size()) {
            return fail("unterminated string");
        }
        ++i_;
        return value;
    }

    // From an opening bracket (or parenthesis) to just past its closing one; strings inside
    // may hold the closing character.
    bool skipPast(char close) {
        char open = text_[i_];
        int depth = 0;
        while (i_ < text_.size()) {
            char c = text_[i_];
            if (c == '"' || c == '\'' || c == '`') {
                if (!string()) {
                    return false;
                }
                continue;
            }
            depth += c == open;
            depth -= c == close;
            ++i_;
            if (depth == 0) {
                return true;
            }
        }
        fail(std::string("no '") + close + "'");
        return false;
    }

    // After `{`: label op "value" [, ...] up to and including `}`.
    bool matchers(std::vector<LabelMatcher>& out) {
        for (;;) {
            if (!skipSpace()) {
                fail("unterminated '{'");
                return false;
            }
            if (text_[i_] == '}') {
                ++i_;
                return true;
            }
            if (!isIdentifierStart(text_[i_])) {
                fail("bad label name");
                return false;
            }
            LabelMatcher m;
            m.label = identifier();
            skipSpace();
            for (std::string_view op : {"=~", "!~", "!=", "="}) {
                if (text_.substr(i_, op.size()) == op) {
                    m.op = std::string(op);
                    i_ += op.size();
                    break;
                }
            }
            if (m.op.empty() || !skipSpace() ||
                (text_[i_] != '"' && text_[i_] != '\'' && text_[i_] != '`')) {
                fail("bad matcher for label " + m.label);
                return false;
            }
            auto value = string();
            if (!value) {
                return false;
            }
            m.value = *value;
            out.push_back(std::move(m));
            if (skipSpace() && text_[i_] == ',') {
                ++i_;
            }
        }
    }

    std::string_view text_;
    std::string& error_;
    size_t i_ = 0;
    int depth_ = 0;
};

}  // namespace

std::optional<std::vector<PromqlSelector>> promqlSelectors(std::string_view expr,
                                                           std::string& error) {
    return Scanner(expr, error).run();
}

}  // namespace rtprelay::test
