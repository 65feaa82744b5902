#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>

#include "kernel/Result.h"

namespace rtprelay::kernel {

// The nftables ruleset generation of the calling thread's network namespace: a number the
// kernel advances by one with every committed nftables transaction, whoever commits it.
// The same number twice means the ruleset did not change in between.
class NftablesGeneration {
public:
    // Asks the kernel (NFT_MSG_GETGEN over netfilter netlink).
    static Result<uint32_t> current();
    // The generation an NFT_MSG_NEWGEN answer carries; nothing when the message is not one or
    // is malformed. Reads only within `message.nlmsg_len`.
    static std::optional<uint32_t> parse(const nlmsghdr& message);
};

}  // namespace rtprelay::kernel
