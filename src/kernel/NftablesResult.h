#pragma once

#include <string>
#include <utility>

namespace rtprelay::kernel {

// Outcome of an nftables operation: success, or one line saying what failed and why, fit
// for a log line or the output of --nftables-status.
class NftablesResult {
public:
    static NftablesResult success() { return NftablesResult(); }
    static NftablesResult failure(std::string reason) {
        NftablesResult r;
        r.ok_ = false;
        r.reason_ = std::move(reason);
        return r;
    }

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const std::string& reason() const { return reason_; }

private:
    NftablesResult() = default;

    bool ok_ = true;
    std::string reason_;
};

}  // namespace rtprelay::kernel
