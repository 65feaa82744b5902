#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/Config.h"

namespace rtprelay::kernel {

// What the daemon's nftables objects look like (rtpengine's nftables-* options).
struct NftablesSettings {
    int table = 0;                      // table / -t: numbers the comments and the port set
    std::string chain = "rtpengine_0";  // nftables-chain: our regular chain
    // nftables-base-chain: where the jump rule goes. "" makes `chain` itself a base chain on
    // the input hook; "none" adds no jump (the operator hooks `chain` in).
    std::string baseChain = "INPUT";
    bool append = false;                             // nftables-append: jump rule at the tail
    std::vector<std::string> families{"ip", "ip6"};  // nft family keywords, no duplicates

    static constexpr std::string_view tableName = "filter";
    // The comment on a table or base chain that did not exist until rtprelay created it: such
    // an object is removed again once nothing but rtprelay's objects was in it. Shared by
    // all tables, so whichever daemon leaves it empty removes it.
    static constexpr std::string_view createdComment = "created by rtprelay";

    // Object names and comments that identify our objects.
    std::string portSet() const;        // "rtprelay_ports_N"
    std::string jumpComment() const;    // "rtprelay jump table N"
    std::string portsComment() const;   // "rtprelay media ports table N"
    std::string markerComment() const;  // "rtprelay UDP handler table N"
    // rtpengine's marker: a chain left behind by rtpengine (same default name) is stale and
    // ours to remove when rtprelay takes over.
    std::string rtpengineMarkerComment() const;  // "rtpengine UDP handler table N"

    bool jumpsFromBaseChain() const { return !baseChain.empty() && baseChain != "none"; }
};

// "ip,ip6" → {"ip", "ip6"}; ip4 means ip. Empty on a bad list.
std::optional<std::vector<std::string>> parseNftablesFamilies(std::string_view list);

// The settings the configuration asks for; nullopt with `why` set when nftables is not
// managed (table < 0 or empty chain) or a value cannot be used (bad family, a name nft
// would not parse, base chain equal to the chain).
std::optional<NftablesSettings> nftablesSettingsFrom(const config::Config& config,
                                                     std::string* why);

// True for names nft accepts unquoted as a chain name (letters, digits, `_`, `-`, `.`, `/`,
// not starting with a digit or `-`), so a configured name can never inject commands.
bool isValidNftablesName(std::string_view name);

}  // namespace rtprelay::kernel
