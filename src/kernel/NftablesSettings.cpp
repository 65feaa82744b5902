#include "kernel/NftablesSettings.h"

#include <algorithm>

namespace rtprelay::kernel {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

bool isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

std::string NftablesSettings::portSet() const {
    return "rtprelay_ports_" + std::to_string(table);
}

std::string NftablesSettings::jumpComment() const {
    return "rtprelay jump table " + std::to_string(table);
}

std::string NftablesSettings::portsComment() const {
    return "rtprelay media ports table " + std::to_string(table);
}

std::string NftablesSettings::markerComment() const {
    return "rtprelay UDP handler table " + std::to_string(table);
}

std::string NftablesSettings::rtpengineMarkerComment() const {
    return "rtpengine UDP handler table " + std::to_string(table);
}

std::optional<std::vector<std::string>> parseNftablesFamilies(std::string_view list) {
    std::vector<std::string> families;
    for (;;) {
        size_t comma = list.find(',');
        std::string_view item = trim(list.substr(0, comma));
        std::string family;
        if (item == "ip" || item == "ip4") {
            family = "ip";
        } else if (item == "ip6" || item == "inet") {
            family = std::string(item);
        } else {
            return std::nullopt;
        }
        if (std::find(families.begin(), families.end(), family) == families.end()) {
            families.push_back(family);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        list.remove_prefix(comma + 1);
    }
    return families;
}

bool isValidNftablesName(std::string_view name) {
    // nft's scanner: ({letter}|[_.])({letter}|{digit}|[/\-_\.])*; the kernel allows 255 bytes.
    if (name.empty() || name.size() > 255) {
        return false;
    }
    if (!isLetter(name[0]) && name[0] != '_' && name[0] != '.') {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return isLetter(c) || (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '_' ||
               c == '.';
    });
}

std::optional<NftablesSettings> nftablesSettingsFrom(const config::Config& config,
                                                     std::string* why) {
    if (config.table < 0) {
        *why = "nftables needs a kernel table: set --table to 0 or more";
        return std::nullopt;
    }
    if (config.nftablesChain.empty()) {
        *why = "nftables needs a chain name: --nftables-chain is empty";
        return std::nullopt;
    }
    NftablesSettings s;
    s.table = config.table;
    s.chain = config.nftablesChain;
    s.baseChain = config.nftablesBaseChain;
    s.append = config.nftablesAppend;
    auto families = parseNftablesFamilies(config.nftablesFamily);
    if (!families) {
        *why = "invalid nftables family list '" + config.nftablesFamily + "'";
        return std::nullopt;
    }
    s.families = std::move(*families);
    if (!isValidNftablesName(s.chain)) {
        *why = "invalid nftables chain name '" + s.chain + "'";
        return std::nullopt;
    }
    if (s.jumpsFromBaseChain() && !isValidNftablesName(s.baseChain)) {
        *why = "invalid nftables base chain name '" + s.baseChain + "'";
        return std::nullopt;
    }
    if (s.baseChain == s.chain) {
        *why = "nftables base chain and chain are both '" + s.chain +
               "'; leave --nftables-base-chain empty to make the chain a base chain";
        return std::nullopt;
    }
    return s;
}

}  // namespace rtprelay::kernel
