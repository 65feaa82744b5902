// Netlink answers as the kernel path reads them: the input is a buffer of netlink messages,
// walked as NetlinkQuery walks a received datagram (its next(), which a
// message length that is not a multiple of 4 once made wrap around), and every message goes to each
// parser (link, neighbour, route digest, nftables generation). The kernel is trusted to send
// well-formed answers, but a parser must stay within the message whatever it holds.
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernel/LinkLookup.h"
#include "kernel/NeighbourTable.h"
#include "kernel/NetlinkQuery.h"
#include "kernel/NftablesGeneration.h"
#include "kernel/RouteTableDigest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 65536) {
        return 0;
    }
    // Received datagrams are aligned; so is this copy, and nothing lies beyond it.
    std::vector<uint32_t> aligned((size + 3) / 4);
    if (size > 0) {
        std::memcpy(aligned.data(), data, size);
    }
    auto remaining = static_cast<unsigned int>(size);
    uint64_t digest = 0;
    for (const auto* message = reinterpret_cast<const nlmsghdr*>(aligned.data());
         NLMSG_OK(message, remaining);
         message = rtprelay::kernel::NetlinkQuery::next(message, remaining)) {
        (void)rtprelay::kernel::LinkLookup::parse(*message);
        (void)rtprelay::kernel::NeighbourTable::parse(*message);
        rtprelay::kernel::RouteTableDigest::add(digest, *message);
        (void)rtprelay::kernel::NftablesGeneration::parse(*message);
    }
    return 0;
}
