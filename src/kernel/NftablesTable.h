#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtprelay::kernel {

// What one nftables table holds, as far as finding our objects needs: chains, rules with
// their handles, comments, jump targets and set references, and set names. Parsed from
// libnftables' JSON output (`list table FAMILY NAME`, `list tables`).
class NftablesTable {
public:
    struct Chain {
        std::string name;
        std::string hook;    // empty for a regular chain
        std::string policy;  // base chains only
        std::string comment;
    };
    struct Rule {
        std::string chain;
        uint64_t handle = 0;
        std::string comment;
        std::string jumpTarget;            // jump or goto; empty when neither
        std::vector<std::string> setRefs;  // "@name" operands, without the '@'
    };

    // nullopt when `json` is not libnftables output.
    static std::optional<NftablesTable> parse(std::string_view json);
    // Elements of the one set in `list set FAMILY TABLE NAME` JSON output (0 when it has none),
    // or nothing when `json` is not such output.
    static std::optional<size_t> setElementCount(std::string_view json);
    // Fills in table and chain comments from the same table listed in nft's own syntax
    // (`list table FAMILY NAME`): libnftables 1.0.6 leaves them out of its JSON.
    void addCommentsFromListing(std::string_view text);

    const std::vector<Chain>& chains() const { return chains_; }
    const std::vector<Rule>& rules() const { return rules_; }
    const std::vector<std::string>& sets() const { return sets_; }
    // Table names, for `list tables` output.
    const std::vector<std::string>& tables() const { return tables_; }
    const std::string& tableComment() const { return tableComment_; }
    // Objects of any other kind (maps, flowtables, counters, quotas, ...): none of them is
    // ever ours.
    size_t otherObjects() const { return otherObjects_; }

    const Chain* findChain(std::string_view name) const;
    bool hasSet(std::string_view name) const;
    // A rule in `chain` with this exact comment.
    const Rule* findRule(std::string_view chain, std::string_view comment) const;

private:
    std::vector<Chain> chains_;
    std::vector<Rule> rules_;
    std::vector<std::string> sets_;
    std::vector<std::string> tables_;
    std::string tableComment_;
    size_t otherObjects_ = 0;
};

}  // namespace rtprelay::kernel
