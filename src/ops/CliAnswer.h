#pragma once

#include <string>
#include <string_view>

namespace rtprelay::ops {

// The text answer to one CLI command line, and whether it reports a failure.
struct CliAnswer {
    std::string text;
    bool error = false;

    static CliAnswer ok(std::string text) { return {std::move(text), false}; }
    static CliAnswer failure(std::string text) { return {std::move(text), true}; }
};

// rtpengine's CLI protocol has no status: the text is all a client gets. Every failure
// rtprelayd answers (and rtpengine's own) starts with one of these phrases, which is how
// rtprelay-ctl picks its exit status.
inline bool isErrorAnswer(std::string_view text) {
    size_t start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) {
        return false;
    }
    text.remove_prefix(start);
    for (std::string_view prefix : {"Unknown or incomplete command", "More parameters required",
                                    "Fail", "Invalid", "Error"}) {
        if (text.substr(0, prefix.size()) == prefix) {
            return true;
        }
    }
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    return line.substr(0, 9) == "Call Id (" && line.find(") not found") != std::string_view::npos;
}

}  // namespace rtprelay::ops
