#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>

#include "kernel/NetlinkQuery.h"
#include "kernel/Result.h"

namespace rtprelay::kernel {

// The nftables ruleset generation of the network namespace of the thread that created the
// object: a number the kernel advances by one with every committed nftables transaction,
// whoever commits it. The same number twice means the ruleset did not change in between.
// Not thread-safe.
class NftablesGeneration {
public:
    NftablesGeneration();
    // Asks the kernel (NFT_MSG_GETGEN over netfilter netlink).
    Result<uint32_t> current();
    // The generation an NFT_MSG_NEWGEN answer carries; nothing when the message is not one or
    // is malformed. Reads only within `message.nlmsg_len`.
    static std::optional<uint32_t> parse(const nlmsghdr& message);

private:
    NetlinkQuery socket_;
};

}  // namespace rtprelay::kernel
