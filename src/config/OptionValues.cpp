#include "config/OptionValues.h"

#include <iterator>

namespace rtprelay::config {

OptionValues::Entry& OptionValues::entryFor(const OptionSpec& spec, bool& created) {
    for (Entry& entry : entries_) {
        if (entry.spec == &spec) {
            created = false;
            return entry;
        }
    }
    created = true;
    entries_.push_back(Entry{&spec, {}, false});
    return entries_.back();
}

void OptionValues::addFromFile(const OptionSpec& spec, std::vector<std::string> values,
                               std::string_view where, std::vector<std::string>& warnings) {
    bool created = false;
    Entry& entry = entryFor(spec, created);
    if (spec.kind == OptionKind::list) {
        // GLib would keep only the last line; adding up lets an operator write one
        // `interface =` line per address instead of one long `;` list.
        entry.values.insert(entry.values.end(), std::make_move_iterator(values.begin()),
                            std::make_move_iterator(values.end()));
        return;
    }
    if (!created) {
        warnings.push_back("option '" + std::string(spec.name) + "' set again at " +
                           std::string(where) + ", the earlier value is ignored");
    }
    entry.values = std::move(values);
}

void OptionValues::addFromCommandLine(const OptionSpec& spec, std::string value) {
    bool created = false;
    Entry& entry = entryFor(spec, created);
    if (spec.kind == OptionKind::list) {
        if (!entry.fromCommandLine) {
            entry.values.clear();
        }
        entry.values.push_back(std::move(value));
    } else {
        entry.values = {std::move(value)};
    }
    entry.fromCommandLine = true;
}

const OptionValues::Entry* OptionValues::find(std::string_view name) const {
    for (const Entry& entry : entries_) {
        if (entry.spec->name == name) {
            return &entry;
        }
    }
    return nullptr;
}

}  // namespace rtprelay::config
