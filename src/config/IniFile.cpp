#include "config/IniFile.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "config/ValueSyntax.h"

namespace rtprelay::config {

namespace {

std::string lineError(size_t line, std::string_view why) {
    return "line " + std::to_string(line) + ": " + std::string(why);
}

bool isValidSectionName(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    for (char c : name) {
        if (c == '[' || c == ']' || static_cast<unsigned char>(c) < 0x20) {
            return false;
        }
    }
    return true;
}

}  // namespace

Parsed<IniFile> IniFile::parse(std::string_view text) {
    if (text.size() > maxFileSize) {
        return Parsed<IniFile>::failure("file is larger than " + std::to_string(maxFileSize) +
                                        " bytes");
    }
    if (text.substr(0, 3) == "\xEF\xBB\xBF") {
        text.remove_prefix(3);
    }
    IniFile file;
    std::string section;
    bool inSection = false;
    size_t lineNumber = 0;
    while (!text.empty()) {
        ++lineNumber;
        size_t newline = text.find('\n');
        std::string_view rawLine = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        if (rawLine.size() > maxLineLength) {
            return Parsed<IniFile>::failure(
                lineError(lineNumber, "longer than " + std::to_string(maxLineLength) + " bytes"));
        }
        std::string_view line = syntax::trim(rawLine);
        if (line.empty() || line.front() == '#' || line.front() == ';') {
            continue;
        }
        if (line.front() == '[') {
            if (line.back() != ']') {
                return Parsed<IniFile>::failure(lineError(lineNumber, "invalid section header"));
            }
            std::string_view name = syntax::trim(line.substr(1, line.size() - 2));
            if (!isValidSectionName(name)) {
                return Parsed<IniFile>::failure(lineError(lineNumber, "invalid section header"));
            }
            section = name;
            inSection = true;
            continue;
        }
        Entry entry;
        entry.line = lineNumber;
        size_t equals = line.find('=');
        std::string_view key = syntax::trim(line.substr(0, equals));
        if (key.empty()) {
            return Parsed<IniFile>::failure(lineError(lineNumber, "expected key = value"));
        }
        // GLib refuses keys before the first group; so do we, rather than guess a section.
        if (!inSection) {
            return Parsed<IniFile>::failure(
                lineError(lineNumber, "expected a [section] header before the first key"));
        }
        entry.section = section;
        entry.key = key;
        if (equals == std::string_view::npos) {
            entry.hasValue = false;
        } else {
            entry.rawValue = syntax::trim(line.substr(equals + 1));
        }
        file.entries_.push_back(std::move(entry));
    }
    return file;
}

Parsed<std::string> IniFile::readText(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        return Parsed<std::string>::failure("cannot read '" + path + "': " + std::strerror(err));
    }
    std::string content;
    char buffer[16384];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int err = errno;
            ::close(fd);
            return Parsed<std::string>::failure("cannot read '" + path +
                                                "': " + std::strerror(err));
        }
        if (n == 0) {
            break;
        }
        content.append(buffer, static_cast<size_t>(n));
        if (content.size() > maxFileSize) {
            break;
        }
    }
    ::close(fd);
    return content;
}

std::string IniFile::decodeValue(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\' || i + 1 == raw.size()) {
            out += raw[i];
            continue;
        }
        char next = raw[i + 1];
        switch (next) {
            case 's':
                out += ' ';
                break;
            case 'n':
                out += '\n';
                break;
            case 't':
                out += '\t';
                break;
            case 'r':
                out += '\r';
                break;
            case '\\':
                out += '\\';
                break;
            case ';':
                out += ';';
                break;
            default:
                out += '\\';
                out += next;
                break;
        }
        ++i;
    }
    return out;
}

std::vector<std::string> IniFile::splitList(std::string_view raw) {
    std::vector<std::string> elements;
    size_t start = 0;
    auto flush = [&](size_t end) {
        std::string_view element = syntax::trim(raw.substr(start, end - start));
        if (!element.empty()) {
            elements.push_back(decodeValue(element));
        }
    };
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\') {
            ++i;  // whatever follows is escaped, including `;`
        } else if (raw[i] == ';') {
            flush(i);
            start = i + 1;
        }
    }
    flush(raw.size());
    return elements;
}

}  // namespace rtprelay::config
