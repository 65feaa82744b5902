#include "ops/HttpRequest.h"

#include <cctype>

namespace rtprelay::ops {

namespace {

bool isToken(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 32 || u >= 127 ||
            std::string_view("()<>@,;:\\\"/[]?={}").find(c) != std::string_view::npos) {
            return false;
        }
    }
    return true;
}

bool isVisible(std::string_view s) {
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 32 || u == 127) {
            return false;
        }
    }
    return !s.empty();
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

HttpRequest::Status HttpRequest::parse(std::string_view received, HttpRequest& out) {
    // The head ends at the first empty line.
    size_t end = std::string_view::npos;
    for (size_t i = received.find('\n'); i != std::string_view::npos;
         i = received.find('\n', i + 1)) {
        size_t next = i + 1;
        if (next < received.size() && received[next] == '\n') {
            end = next;
            break;
        }
        if (next + 1 < received.size() && received[next] == '\r' && received[next + 1] == '\n') {
            end = next + 1;
            break;
        }
    }
    if (end == std::string_view::npos) {
        return Status::incomplete;
    }
    out.headers.clear();
    out.headLength = end + 1;
    std::string_view head = received.substr(0, end);
    bool first = true;
    while (!head.empty()) {
        size_t nl = head.find('\n');
        std::string_view line = head.substr(0, nl);
        head.remove_prefix(nl == std::string_view::npos ? head.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (first) {
            first = false;
            size_t sp1 = line.find(' ');
            size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
            if (sp2 == std::string_view::npos ||
                line.find(' ', sp2 + 1) != std::string_view::npos) {
                return Status::malformed;
            }
            std::string_view method = line.substr(0, sp1);
            std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
            std::string_view version = line.substr(sp2 + 1);
            if (!isToken(method) || !isVisible(target) || target[0] != '/' ||
                (version != "HTTP/1.1" && version != "HTTP/1.0")) {
                return Status::malformed;
            }
            size_t q = target.find('?');
            out.method = method;
            out.path = target.substr(0, q);
            out.query =
                q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
            out.version = version;
            continue;
        }
        if (line.empty()) {
            continue;
        }
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || !isToken(line.substr(0, colon)) ||
            out.headers.size() >= maxHeaders) {
            return Status::malformed;
        }
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
            value.remove_suffix(1);
        }
        out.headers.emplace_back(line.substr(0, colon), value);
    }
    return first ? Status::malformed : Status::ok;
}

std::optional<std::string_view> HttpRequest::header(std::string_view name, bool* repeated) const {
    std::optional<std::string_view> found;
    if (repeated != nullptr) {
        *repeated = false;
    }
    for (const auto& [key, value] : headers) {
        if (key.size() != name.size()) {
            continue;
        }
        bool same = true;
        for (size_t i = 0; i < key.size() && same; ++i) {
            same = std::tolower(static_cast<unsigned char>(key[i])) ==
                   std::tolower(static_cast<unsigned char>(name[i]));
        }
        if (!same) {
            continue;
        }
        if (found && repeated != nullptr) {
            *repeated = true;
        }
        if (!found) {
            found = value;
        }
    }
    return found;
}

std::optional<std::string> decodeUrlComponent(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            int hi = hexValue(text[i + 1]);
            int lo = hexValue(text[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace rtprelay::ops
