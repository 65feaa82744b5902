#include "config/ValueSyntax.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>

#include "common/Text.h"

namespace rtprelay::config::syntax {

Parsed<long long> parseInteger(std::string_view text) {
    bool negative = false;
    std::string_view digits = text;
    if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) {
        negative = digits.front() == '-';
        digits.remove_prefix(1);
    }
    int base = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        base = 16;
        digits.remove_prefix(2);
    }
    // from_chars would accept a second sign after ours.
    if (digits.empty() || !std::isxdigit(static_cast<unsigned char>(digits.front()))) {
        return Parsed<long long>::failure("not an integer");
    }
    unsigned long long magnitude = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
    if (ec == std::errc::result_out_of_range) {
        return Parsed<long long>::failure("out of range");
    }
    if (ec != std::errc() || end != digits.data() + digits.size()) {
        return Parsed<long long>::failure("not an integer");
    }
    constexpr auto maxValue =
        static_cast<unsigned long long>(std::numeric_limits<long long>::max());
    if (magnitude > maxValue + (negative ? 1 : 0)) {
        return Parsed<long long>::failure("out of range");
    }
    if (negative) {
        // Negating in unsigned arithmetic avoids overflow for LLONG_MIN.
        return static_cast<long long>(0ULL - magnitude);
    }
    return static_cast<long long>(magnitude);
}

Parsed<bool> parseBoolean(std::string_view text) {
    for (std::string_view t : {"true", "yes", "on", "1"}) {
        if (text::equalsIgnoreCase(text, t)) {
            return true;
        }
    }
    for (std::string_view f : {"false", "no", "off", "0"}) {
        if (text::equalsIgnoreCase(text, f)) {
            return false;
        }
    }
    return Parsed<bool>::failure("not a boolean (true/false, yes/no, on/off, 1/0)");
}

Parsed<double> parseReal(std::string_view text) {
    // strtod needs a terminated string and would skip leading blanks; reject those first.
    if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) {
        return Parsed<double>::failure("not a number");
    }
    std::string copy(text);
    char* end = nullptr;
    double value = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size()) {
        return Parsed<double>::failure("not a number");
    }
    return value;
}

bool isSyslogFacility(std::string_view name) {
    static constexpr std::array<std::string_view, 20> facilities = {
        "auth",   "authpriv", "cron",   "daemon", "ftp",    "kern",   "lpr",
        "mail",   "news",     "syslog", "user",   "uucp",   "local0", "local1",
        "local2", "local3",   "local4", "local5", "local6", "local7"};
    for (std::string_view facility : facilities) {
        if (name == facility) {
            return true;
        }
    }
    return false;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace rtprelay::config::syntax
