#include "kernel/NftablesContext.h"

#include <nftables/libnftables.h>

namespace rtprelay::kernel {

namespace {

std::string firstLine(const char* text) {
    std::string s = text != nullptr ? text : "";
    size_t end = s.find('\n');
    if (end != std::string::npos) {
        s.resize(end);
    }
    if (s.rfind("Error: ", 0) == 0) {
        s.erase(0, 7);
    }
    return s.empty() ? "nft command failed" : s;
}

}  // namespace

NftablesContext::NftablesContext() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
    if (ctx_ == nullptr) {
        return;
    }
    // Without buffering libnftables writes to stdout/stderr of the daemon.
    nft_ctx_buffer_output(ctx_);
    nft_ctx_buffer_error(ctx_);
}

NftablesContext::~NftablesContext() {
    if (ctx_ != nullptr) {
        nft_ctx_free(ctx_);
    }
}

NftablesContext::Output NftablesContext::run(const std::string& commands) {
    // No JSON flag here: with it libnftables first tries to parse the input as JSON.
    return execute(commands, 0);
}

NftablesContext::Output NftablesContext::list(const std::string& command) {
    return execute(command, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE | NFT_CTX_OUTPUT_TERSE);
}

NftablesContext::Output NftablesContext::listText(const std::string& command) {
    return execute(command, NFT_CTX_OUTPUT_TERSE);
}

NftablesContext::Output NftablesContext::listWithElements(const std::string& command) {
    return execute(command, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
}

NftablesContext::Output NftablesContext::execute(const std::string& commands,
                                                 unsigned outputFlags) {
    Output out;
    if (ctx_ == nullptr) {
        out.error = "cannot create a libnftables context";
        return out;
    }
    nft_ctx_output_set_flags(ctx_, outputFlags);
    int rc = nft_run_cmd_from_buffer(ctx_, commands.c_str());
    // Each read empties its buffer: read both every time so nothing carries over into the
    // next command's result.
    const char* text = nft_ctx_get_output_buffer(ctx_);
    out.text = text != nullptr ? text : "";
    const char* error = nft_ctx_get_error_buffer(ctx_);
    out.ok = rc == 0;
    if (!out.ok) {
        out.error = firstLine(error);
    }
    return out;
}

}  // namespace rtprelay::kernel
