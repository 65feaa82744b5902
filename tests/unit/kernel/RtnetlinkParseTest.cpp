// The rtnetlink answers peer delivery relies on are untrusted input: crafted and truncated
// messages give a reason or count as unknown, never a read past the message. The lookups
// themselves run against the calling process's own namespace (loopback always exists).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernel/LinkLookup.h"
#include "kernel/NeighbourTable.h"
#include "kernel/RouteLookup.h"
#include "kernel/RouteTableDigest.h"

namespace rtprelay::kernel {
namespace {

// A netlink message under construction: header, family header, attributes.
class Message {
public:
    Message(uint16_t type, const void* header, size_t size) : bytes_(NLMSG_LENGTH(size)) {
        std::memcpy(bytes_.data() + NLMSG_HDRLEN, header, size);
        this->header().nlmsg_type = type;
        sync();
    }

    Message& attribute(uint16_t type, const void* data, size_t size) {
        size_t at = NLMSG_ALIGN(bytes_.size());
        bytes_.resize(at + RTA_SPACE(size));
        auto* a = reinterpret_cast<rtattr*>(bytes_.data() + at);
        a->rta_type = type;
        a->rta_len = static_cast<unsigned short>(RTA_LENGTH(size));
        std::memcpy(RTA_DATA(a), data, size);
        sync();
        return *this;
    }

    Message& text(uint16_t type, const std::string& value) {
        return attribute(type, value.c_str(), value.size() + 1);
    }

    // Cuts the message's declared length (the buffer keeps its size, as a kernel bug or a
    // forged answer would).
    Message& declare(uint32_t length) {
        header().nlmsg_len = length;
        return *this;
    }

    nlmsghdr& header() { return *reinterpret_cast<nlmsghdr*>(bytes_.data()); }

private:
    void sync() { header().nlmsg_len = static_cast<uint32_t>(bytes_.size()); }
    std::vector<uint8_t> bytes_;  // operator new aligns the data for nlmsghdr
};

std::vector<uint8_t> linkInfoOf(const std::string& kind) {
    // IFLA_LINKINFO nests IFLA_INFO_KIND.
    std::vector<uint8_t> nested(RTA_SPACE(kind.size() + 1));
    auto* a = reinterpret_cast<rtattr*>(nested.data());
    a->rta_type = IFLA_INFO_KIND;
    a->rta_len = static_cast<unsigned short>(RTA_LENGTH(kind.size() + 1));
    std::memcpy(RTA_DATA(a), kind.c_str(), kind.size() + 1);
    return nested;
}

Message linkMessage(int ifindex) {
    ifinfomsg info{};
    info.ifi_index = ifindex;
    return Message(RTM_NEWLINK, &info, sizeof(info));
}

TEST(LinkLookupParse, VethWithPeerElsewhereAndMac) {
    const uint8_t mac[6] = {0x02, 1, 2, 3, 4, 5};
    int32_t netnsid = 3;
    auto info = linkInfoOf("veth");
    Message m = linkMessage(7);
    m.attribute(IFLA_ADDRESS, mac, 6)
        .attribute(IFLA_LINKINFO | NLA_F_NESTED, info.data(), info.size())
        .attribute(IFLA_LINK_NETNSID, &netnsid, sizeof(netnsid));
    auto link = LinkLookup::parse(m.header());
    ASSERT_TRUE(link) << link.error();
    EXPECT_EQ(link->ifindex, 7);
    EXPECT_TRUE(link->veth);
    EXPECT_TRUE(link->peerElsewhere);
    ASSERT_TRUE(link->hasMac);
    EXPECT_EQ(macText(link->mac), "02:01:02:03:04:05");
}

TEST(LinkLookupParse, OtherKindsShortAddressesAndTruncationAreNotVethsWithMacs) {
    auto bridge = linkInfoOf("bridge");
    Message notVeth = linkMessage(2);
    notVeth.attribute(IFLA_LINKINFO, bridge.data(), bridge.size());
    EXPECT_FALSE(LinkLookup::parse(notVeth.header())->veth);

    // "vethX" is not "veth"; a kind without its NUL is still compared by its bytes.
    auto longer = linkInfoOf("vethX");
    Message prefix = linkMessage(2);
    prefix.attribute(IFLA_LINKINFO, longer.data(), longer.size());
    EXPECT_FALSE(LinkLookup::parse(prefix.header())->veth);

    const uint8_t infiniband[20] = {};  // 20-byte hardware address: not Ethernet
    Message ib = linkMessage(4);
    ib.attribute(IFLA_ADDRESS, infiniband, sizeof(infiniband));
    EXPECT_FALSE(LinkLookup::parse(ib.header())->hasMac);

    // The MAC attribute lies beyond the declared length: not seen.
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};
    Message cut = linkMessage(5);
    cut.attribute(IFLA_ADDRESS, mac, 6);
    cut.declare(NLMSG_LENGTH(sizeof(ifinfomsg)) + 4);
    auto parsed = LinkLookup::parse(cut.header());
    ASSERT_TRUE(parsed);
    EXPECT_FALSE(parsed->hasMac);

    Message tooShort = linkMessage(5);
    tooShort.declare(NLMSG_HDRLEN + 2);
    EXPECT_EQ(LinkLookup::parse(tooShort.header()).error(), "truncated link message");

    ifaddrmsg address{};
    Message wrongType(RTM_NEWADDR, &address, sizeof(address));
    EXPECT_FALSE(LinkLookup::parse(wrongType.header()));
}

Message neighbourMessage(unsigned char family, int ifindex, uint16_t state) {
    ndmsg n{};
    n.ndm_family = family;
    n.ndm_ifindex = ifindex;
    n.ndm_state = state;
    return Message(RTM_NEWNEIGH, &n, sizeof(n));
}

TEST(NeighbourTableParse, Ipv4AndIpv6EntriesWithStates) {
    in_addr v4{};
    inet_pton(AF_INET, "10.0.0.9", &v4);
    const uint8_t mac[6] = {0x02, 0xaa, 0, 0, 0, 9};
    Message m = neighbourMessage(AF_INET, 3, NUD_STALE);
    m.attribute(NDA_DST, &v4, 4).attribute(NDA_LLADDR, mac, 6);
    auto entry = NeighbourTable::parse(m.header());
    ASSERT_TRUE(entry) << entry.error();
    ASSERT_TRUE(*entry);
    EXPECT_EQ((*entry)->ifindex, 3);
    EXPECT_EQ((*entry)->address, *net::IpAddress::parse("10.0.0.9"));
    EXPECT_EQ(macText((*entry)->mac), "02:aa:00:00:00:09");
    EXPECT_TRUE((*entry)->usable());

    in6_addr v6{};
    inet_pton(AF_INET6, "fe80::1", &v6);
    Message failed = neighbourMessage(AF_INET6, 3, NUD_FAILED);
    failed.attribute(NDA_DST, &v6, 16).attribute(NDA_LLADDR, mac, 6);
    auto gone = NeighbourTable::parse(failed.header());
    ASSERT_TRUE(gone && *gone);
    EXPECT_FALSE((*gone)->usable());
    EXPECT_EQ((*gone)->stateText(), "FAILED");

    // INCOMPLETE has no link-layer address yet.
    Message incomplete = neighbourMessage(AF_INET, 3, NUD_INCOMPLETE);
    incomplete.attribute(NDA_DST, &v4, 4);
    EXPECT_FALSE((*NeighbourTable::parse(incomplete.header()))->usable());
}

TEST(NeighbourTableParse, ForeignFamiliesAreSkippedAndBrokenEntriesRefused) {
    Message bridge = neighbourMessage(AF_BRIDGE, 3, NUD_PERMANENT);
    auto skipped = NeighbourTable::parse(bridge.header());
    ASSERT_TRUE(skipped);
    EXPECT_FALSE(*skipped);

    // An IPv4 entry with a 16-byte destination is no entry for any address.
    uint8_t wrong[16] = {10};
    Message mismatched = neighbourMessage(AF_INET, 3, NUD_REACHABLE);
    mismatched.attribute(NDA_DST, wrong, sizeof(wrong));
    EXPECT_EQ(NeighbourTable::parse(mismatched.header()).error(),
              "neighbour message without a destination address");

    // A 4-byte "MAC" (e.g. an IP tunnel's) is no Ethernet address: not usable.
    in_addr v4{};
    inet_pton(AF_INET, "10.0.0.9", &v4);
    Message tunnel = neighbourMessage(AF_INET, 3, NUD_PERMANENT);
    tunnel.attribute(NDA_DST, &v4, 4).attribute(NDA_LLADDR, &v4, 4);
    auto parsed = NeighbourTable::parse(tunnel.header());
    ASSERT_TRUE(parsed && *parsed);
    EXPECT_FALSE((*parsed)->usable());

    Message tooShort = neighbourMessage(AF_INET, 3, NUD_REACHABLE);
    tooShort.declare(NLMSG_HDRLEN + 4);
    EXPECT_EQ(NeighbourTable::parse(tooShort.header()).error(), "truncated neighbour message");
}

// The real kernel, in whatever namespace the test runs: loopback has no gateway, is no veth.
TEST(RtnetlinkLookups, LoopbackRouteLinkAndNeighbours) {
    auto loopback = *net::IpAddress::parse("127.0.0.1");
    auto route = RouteLookup::route(loopback, *net::IpAddress::parse("127.0.0.2"));
    ASSERT_TRUE(route) << route.error();
    EXPECT_EQ(route->ifindex, 1);
    EXPECT_EQ(route->nextHop, *net::IpAddress::parse("127.0.0.2"));

    auto link = LinkLookup::find(1);
    ASSERT_TRUE(link) << link.error();
    EXPECT_EQ(link->ifindex, 1);
    EXPECT_FALSE(link->veth);
    EXPECT_FALSE(LinkLookup::find(0x7fffffff));

    auto none = NeighbourTable::find(1, *net::IpAddress::parse("127.0.0.9"));
    ASSERT_TRUE(none) << none.error();
    EXPECT_FALSE(*none);
    EXPECT_TRUE(NeighbourTable::dump()) << NeighbourTable::dump().error();
}

// Two IPv4 routes as a dump lists them: 10.9.0.0/16 via GATEWAY dev 3, and 10.8.0.0/16 dev 4.
uint64_t digestOf(const char* gateway, uint32_t lastUse, bool reversed) {
    rtmsg r{};
    r.rtm_family = AF_INET;
    r.rtm_dst_len = 16;
    r.rtm_table = RT_TABLE_MAIN;
    r.rtm_type = RTN_UNICAST;
    in_addr dst{}, via{}, other{};
    inet_pton(AF_INET, "10.9.0.0", &dst);
    inet_pton(AF_INET, gateway, &via);
    inet_pton(AF_INET, "10.8.0.0", &other);
    int oif = 3, otherOif = 4;
    rta_cacheinfo cache{};
    cache.rta_lastuse = lastUse;
    Message first(RTM_NEWROUTE, &r, sizeof(r));
    first.attribute(RTA_DST, &dst, 4).attribute(RTA_GATEWAY, &via, 4).attribute(RTA_OIF, &oif, 4);
    first.attribute(RTA_CACHEINFO, &cache, sizeof(cache));
    Message second(RTM_NEWROUTE, &r, sizeof(r));
    second.attribute(RTA_DST, &other, 4).attribute(RTA_OIF, &otherOif, 4);
    uint64_t digest = 0;
    RouteTableDigest::add(digest, reversed ? second.header() : first.header());
    RouteTableDigest::add(digest, reversed ? first.header() : second.header());
    return digest;
}

TEST(RouteTableDigest, ChangesWithTheRoutesOnlyAndNotWithTheirOrderOrCounters) {
    uint64_t base = digestOf("10.1.0.1", 10, false);
    EXPECT_EQ(digestOf("10.1.0.1", 10, true), base);
    EXPECT_EQ(digestOf("10.1.0.1", 99, false), base);
    EXPECT_NE(digestOf("10.1.0.2", 10, false), base);
    // Other messages, and one too short for its route header, leave it alone.
    uint64_t digest = base;
    ifinfomsg link{};
    Message other(RTM_NEWLINK, &link, sizeof(link));
    RouteTableDigest::add(digest, other.header());
    rtmsg r{};
    Message cut(RTM_NEWROUTE, &r, sizeof(r));
    cut.declare(NLMSG_HDRLEN + 4);
    RouteTableDigest::add(digest, cut.header());
    EXPECT_EQ(digest, base);
}

TEST(RouteTableDigest, ReadsThisNamespacesTables) {
    auto first = RouteTableDigest::read();
    ASSERT_TRUE(first) << first.error();
    auto again = RouteTableDigest::read();
    ASSERT_TRUE(again) << again.error();
    EXPECT_EQ(*first, *again);
}

}  // namespace
}  // namespace rtprelay::kernel
