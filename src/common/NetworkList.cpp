#include "common/NetworkList.h"

#include <algorithm>

namespace rtprelay::net {

namespace {

bool isSeparator(char c) {
    return c == ',' || c == ' ' || c == '\t';
}

}  // namespace

std::optional<NetworkList> NetworkList::parse(std::string_view text, std::string* why) {
    NetworkList list;
    size_t i = 0;
    while (i < text.size()) {
        if (isSeparator(text[i])) {
            ++i;
            continue;
        }
        size_t end = i;
        while (end < text.size() && !isSeparator(text[end])) {
            ++end;
        }
        std::string_view entry = text.substr(i, end - i);
        i = end;
        std::string reason;
        auto network = Network::parse(entry, &reason);
        if (!network) {
            if (why != nullptr) {
                std::string shown(entry.substr(0, Network::maxTextLength));
                *why = "'" + shown + (entry.size() > shown.size() ? "...'" : "'") + ": " + reason;
            }
            return std::nullopt;
        }
        if (!list.add(*network)) {
            if (why != nullptr) {
                *why = "more than " + std::to_string(maxNetworks) + " networks";
            }
            return std::nullopt;
        }
    }
    if (list.empty()) {
        if (why != nullptr) {
            *why = "no network given (e.g. 127.0.0.1/32, 10.0.0.0/8, ::1/128)";
        }
        return std::nullopt;
    }
    return list;
}

bool NetworkList::add(const Network& network) {
    if (std::find(networks_.begin(), networks_.end(), network) != networks_.end()) {
        return true;
    }
    if (networks_.size() >= maxNetworks) {
        return false;
    }
    networks_.push_back(network);
    return true;
}

bool NetworkList::merge(const NetworkList& other) {
    NetworkList combined = *this;
    for (const Network& n : other.networks_) {
        if (!combined.add(n)) {
            return false;
        }
    }
    *this = std::move(combined);
    return true;
}

bool NetworkList::contains(const IpAddress& address) const {
    for (const Network& n : networks_) {
        if (n.contains(address)) {
            return true;
        }
    }
    return false;
}

std::string NetworkList::toString() const {
    std::string out;
    for (const Network& n : networks_) {
        out += (out.empty() ? "" : ", ") + n.toString();
    }
    return out;
}

}  // namespace rtprelay::net
