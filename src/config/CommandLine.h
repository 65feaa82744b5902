#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/OptionTable.h"
#include "config/Parsed.h"

namespace rtprelay::config {

// argv parsed with getopt_long, which accepts exactly GOption's syntax: `--opt=value`,
// `--opt value`, `-L 7`, `-L7`, clustered flags `-fE`. Unlike plain getopt_long, long
// names must be written in full (GOption has no abbreviations).
class CommandLine {
public:
    struct Setting {
        const OptionSpec* spec = nullptr;
        std::string value;  // "true" for flags
    };

    // args[0] is the program name. Errors are one line, e.g. "unrecognized option '--foo'".
    static Parsed<CommandLine> parse(const std::vector<std::string>& args,
                                     const OptionTable& table);

    // In argv order.
    const std::vector<Setting>& settings() const { return settings_; }

    // Value of the last occurrence of scalar option `name`.
    const std::string* last(std::string_view name) const;

private:
    std::vector<Setting> settings_;
};

}  // namespace rtprelay::config
