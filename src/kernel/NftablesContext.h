#pragma once

#include <string>

struct nft_ctx;

namespace rtprelay::kernel {

// One libnftables context: runs nft command text as one atomic batch. Not thread-safe; the
// netlink socket belongs to the network namespace of the thread that created it.
class NftablesContext {
public:
    struct Output {
        bool ok = false;
        std::string text;   // what nft printed (JSON for list())
        std::string error;  // first line of nft's error message when !ok
    };

    NftablesContext();
    ~NftablesContext();
    NftablesContext(const NftablesContext&) = delete;
    NftablesContext& operator=(const NftablesContext&) = delete;

    bool valid() const { return ctx_ != nullptr; }

    // Commands, one per line; all succeed or none is applied.
    Output run(const std::string& commands);
    // A `list ...` command with JSON output, rule handles and without set elements.
    Output list(const std::string& command);
    // A `list ...` command in nft's own syntax, without set elements: the only output of
    // nftables 1.0.6 that shows table and chain comments.
    Output listText(const std::string& command);
    // Same, with set elements (tests and diagnostics).
    Output listWithElements(const std::string& command);

private:
    Output execute(const std::string& commands, unsigned outputFlags);

    nft_ctx* ctx_ = nullptr;
};

}  // namespace rtprelay::kernel
