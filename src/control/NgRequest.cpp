#include "control/NgRequest.h"

#include <fmt/format.h>

#include <charconv>

namespace rtprelay::control {

std::optional<NgFrame> splitCookie(std::string_view datagram) {
    size_t space = datagram.find(' ');
    if (space == std::string_view::npos || space == 0) {
        return std::nullopt;
    }
    return NgFrame{datagram.substr(0, space), datagram.substr(space + 1)};
}

NgRequest::NgRequest(const bencode::Value& dict, std::string command, net::Endpoint peer)
    : dict_(dict), command_(std::move(command)), peer_(peer) {}

const bencode::Value* NgRequest::find(std::initializer_list<std::string_view> aliases) const {
    for (auto key : aliases) {
        if (const auto* v = dict_.find(key)) {
            return v;
        }
    }
    return nullptr;
}

std::optional<std::string> NgRequest::string(
    std::initializer_list<std::string_view> aliases) const {
    const auto* v = find(aliases);
    if (!v) {
        return std::nullopt;
    }
    if (v->isInt()) {
        return std::to_string(v->integer());
    }
    if (!v->isString()) {
        throw NgError(
            fmt::format("Invalid value type for key '{}': expected a string", *aliases.begin()));
    }
    return v->str();
}

std::optional<int64_t> NgRequest::integer(std::initializer_list<std::string_view> aliases) const {
    const auto* v = find(aliases);
    if (!v) {
        return std::nullopt;
    }
    if (v->isInt()) {
        return v->integer();
    }
    if (v->isString()) {
        const std::string& s = v->str();
        int64_t value = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) {
            return value;
        }
    }
    throw NgError(
        fmt::format("Invalid value type for key '{}': expected an integer", *aliases.begin()));
}

std::vector<std::string> NgRequest::list(std::initializer_list<std::string_view> aliases) const {
    std::vector<std::string> out;
    const auto* v = find(aliases);
    if (!v) {
        return out;
    }
    if (v->isString()) {
        std::string_view rest = v->str();
        while (!rest.empty()) {
            size_t comma = rest.find(',');
            std::string_view item = rest.substr(0, comma);
            if (!item.empty()) {
                out.emplace_back(item);
            }
            if (comma == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(comma + 1);
        }
        return out;
    }
    if (!v->isList()) {
        throw NgError(
            fmt::format("Invalid value type for key '{}': expected a list", *aliases.begin()));
    }
    for (const auto& item : v->items()) {
        if (item.isString()) {
            out.push_back(item.str());
        } else if (item.isInt()) {
            out.push_back(std::to_string(item.integer()));
        } else {
            throw NgError(fmt::format("Invalid list element in key '{}': expected a string",
                                      *aliases.begin()));
        }
    }
    return out;
}

bool NgRequest::hasFlag(std::string_view flag) const {
    for (const auto& f : list({"flags"})) {
        if (f == flag) {
            return true;
        }
    }
    return false;
}

bool NgRequest::supportsLoadLimit() const {
    for (const auto& s : list({"supports"})) {
        if (s == "load limit" || s == "load-limit") {
            return true;
        }
    }
    return false;
}

}  // namespace rtprelay::control
