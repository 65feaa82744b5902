#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/Parsed.h"

namespace rtprelay::config {

// A GLib key-file (INI) document as rtpengine.conf uses it: `[section]` headers,
// `key = value` lines, `#`/`;` comment lines. Values are kept raw (escapes intact) because
// whether `;` separates list elements depends on the option, which only the caller knows.
class IniFile {
public:
    static constexpr size_t maxFileSize = 1024 * 1024;
    static constexpr size_t maxLineLength = 8 * 1024;

    struct Entry {
        std::string section;
        std::string key;
        std::string rawValue;
        bool hasValue = true;  // false for a bare `key` line (a boolean switched on)
        size_t line = 0;
    };

    // Errors read "line N: why".
    static Parsed<IniFile> parse(std::string_view text);

    // The content of the file at `path`, or "cannot read 'PATH': strerror". Reading stops
    // past maxFileSize so that parse() reports the size instead of memory running out.
    static Parsed<std::string> readText(const std::string& path);

    const std::vector<Entry>& entries() const { return entries_; }

    // GLib string escapes (\s \n \t \r \\ \;); unknown escapes are kept verbatim.
    static std::string decodeValue(std::string_view raw);

    // GLib string-list semantics: split at unescaped `;`, trim and decode each element;
    // empty elements (e.g. after a trailing `;`) are dropped.
    static std::vector<std::string> splitList(std::string_view raw);

private:
    std::vector<Entry> entries_;
};

}  // namespace rtprelay::config
