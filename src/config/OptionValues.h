#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/OptionTable.h"

namespace rtprelay::config {

// The raw values of the options that were set, merged the way rtpengine does: the file
// first, then the command line, which overrides scalars and replaces whole lists.
class OptionValues {
public:
    struct Entry {
        const OptionSpec* spec = nullptr;
        std::vector<std::string> values;  // one for scalars; list elements in order
        bool fromCommandLine = false;
    };

    // `where` ("FILE:LINE") is used in the warning about a scalar set twice in the file.
    void addFromFile(const OptionSpec& spec, std::vector<std::string> values,
                     std::string_view where, std::vector<std::string>& warnings);
    void addFromCommandLine(const OptionSpec& spec, std::string value);

    // In the order each option was first set.
    const std::vector<Entry>& entries() const { return entries_; }
    const Entry* find(std::string_view name) const;

private:
    Entry& entryFor(const OptionSpec& spec, bool& created);

    std::vector<Entry> entries_;
};

}  // namespace rtprelay::config
