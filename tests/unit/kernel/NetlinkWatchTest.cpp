// NetlinkWatch against the kernel: changes of links, neighbours and routes in its own network
// namespace are announced, nothing else is. Needs root (network namespaces).
#include "kernel/NetlinkWatch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>

#include "unit/kernel/KernelTestSupport.h"

namespace rtprelay::kernel {
namespace {

using test::NetworkNamespace;

TEST(NetlinkWatch, AnnouncesLinkNeighbourAndRouteChangesInItsNamespaceOnly) {
    ASSERT_EQ(geteuid(), 0u) << "network namespaces need root";
    NetworkNamespace ns("rtpwatch");
    ns.ip("link add w0 type veth peer name w1");
    ns.ip("link set w0 up");
    ns.ip("link set w1 up");
    ns.ip("addr add 10.250.0.1/24 dev w0");
    std::optional<NetlinkWatch> watch;
    {
        NetworkNamespace::Inside inside(ns);
        watch.emplace();
    }
    ASSERT_TRUE(watch->watching());
    EXPECT_FALSE(watch->changed());  // what happened before it existed is not news

    ns.ip("neigh add 10.250.0.2 lladdr 02:00:00:00:00:02 dev w0");
    EXPECT_TRUE(watch->changed());
    EXPECT_FALSE(watch->changed());  // drained
    ns.ip("route add 10.251.0.0/24 via 10.250.0.2");
    EXPECT_TRUE(watch->changed());
    ns.ip("link set w0 address 02:00:00:00:00:09");
    EXPECT_TRUE(watch->changed());
    uint64_t seen = watch->notifications();
    EXPECT_GE(seen, 3u);

    NetworkNamespace other("rtpwatch");
    other.ip("link add x0 type veth peer name x1");
    other.ip("addr add 10.252.0.1/24 dev x0");
    EXPECT_FALSE(watch->changed());
    EXPECT_EQ(watch->notifications(), seen);
}

}  // namespace
}  // namespace rtprelay::kernel
