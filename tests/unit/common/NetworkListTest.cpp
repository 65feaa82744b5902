#include <gtest/gtest.h>

#include <string>

#include "common/Network.h"
#include "common/NetworkList.h"

using rtprelay::net::IpAddress;
using rtprelay::net::Network;
using rtprelay::net::NetworkList;

namespace {

IpAddress ip(const char* text) {
    auto parsed = IpAddress::parse(text);
    EXPECT_TRUE(parsed) << text;
    return parsed.value_or(IpAddress());
}

std::string reasonFor(const std::string& text) {
    std::string why;
    EXPECT_FALSE(Network::parse(text, &why)) << text;
    return why;
}

}  // namespace

TEST(Network, ParsesHostsAndPrefixesOfBothFamilies) {
    auto host = Network::parse("192.0.2.7");
    ASSERT_TRUE(host);
    EXPECT_EQ(host->toString(), "192.0.2.7/32");
    auto v6 = Network::parse("2001:db8::/32");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->toString(), "2001:db8::/32");
    auto loopback6 = Network::parse("::1");
    ASSERT_TRUE(loopback6);
    EXPECT_EQ(loopback6->toString(), "::1/128");
    auto bracketed = Network::parse("[::1]/128");
    ASSERT_TRUE(bracketed);
    EXPECT_EQ(*bracketed, *loopback6);
    auto all = Network::parse("0.0.0.0/0");
    ASSERT_TRUE(all);
    EXPECT_TRUE(all->contains(ip("203.0.113.9")));
    EXPECT_FALSE(all->contains(ip("2001:db8::1")));
}

TEST(Network, ClearsHostBitsPastThePrefix) {
    auto n = Network::parse("127.0.0.1/8");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->toString(), "127.0.0.0/8");
    auto odd = Network::parse("10.1.255.255/12");
    ASSERT_TRUE(odd);
    EXPECT_EQ(odd->toString(), "10.0.0.0/12");
    auto v6 = Network::parse("2001:db8:ffff::1/33");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->toString(), "2001:db8:8000::/33");
}

TEST(Network, MatchesExactlyAtPrefixBoundaries) {
    auto n = Network::parse("10.16.0.0/12");
    ASSERT_TRUE(n);
    EXPECT_TRUE(n->contains(ip("10.16.0.0")));
    EXPECT_TRUE(n->contains(ip("10.31.255.255")));
    EXPECT_FALSE(n->contains(ip("10.32.0.0")));
    EXPECT_FALSE(n->contains(ip("10.15.255.255")));
    auto host = Network::parse("127.0.0.1/32");
    ASSERT_TRUE(host);
    EXPECT_TRUE(host->contains(ip("127.0.0.1")));
    EXPECT_FALSE(host->contains(ip("127.0.0.2")));
    auto v6 = Network::parse("fd00::/7");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->contains(ip("fdff:ffff::1")));
    EXPECT_TRUE(v6->contains(ip("fc00::1")));
    EXPECT_FALSE(v6->contains(ip("fe00::1")));
    EXPECT_FALSE(v6->contains(ip("10.0.0.1")));
}

TEST(Network, HandlesIpv4MappedAddressesAsIpv4) {
    auto v4 = Network::parse("127.0.0.0/8");
    ASSERT_TRUE(v4);
    // What a dual-stack socket reports for an IPv4 client.
    EXPECT_TRUE(v4->contains(ip("::ffff:127.0.0.5")));
    EXPECT_FALSE(v4->contains(ip("::ffff:10.0.0.1")));
    auto mapped = Network::parse("::ffff:10.0.0.0/104");
    ASSERT_TRUE(mapped);
    EXPECT_EQ(mapped->toString(), "10.0.0.0/8");
    EXPECT_TRUE(mapped->contains(ip("10.200.0.1")));
    EXPECT_TRUE(mapped->contains(ip("::ffff:10.200.0.1")));
    EXPECT_FALSE(mapped->contains(ip("11.0.0.1")));
    auto mappedHost = Network::parse("::ffff:192.0.2.1");
    ASSERT_TRUE(mappedHost);
    EXPECT_EQ(mappedHost->toString(), "192.0.2.1/32");
    // A mapped address is not in an IPv6 range: ::/0 means IPv6 clients only.
    auto anyV6 = Network::parse("::/0");
    ASSERT_TRUE(anyV6);
    EXPECT_FALSE(anyV6->contains(ip("::ffff:192.0.2.1")));
    EXPECT_EQ(reasonFor("::ffff:10.0.0.0/95"),
              "an IPv4-mapped range needs a prefix length of 96 or more");
}

TEST(Network, RejectsAnythingElseWithAReason) {
    EXPECT_EQ(reasonFor(""), "empty network");
    EXPECT_EQ(reasonFor("300.0.0.1/8"), "'300.0.0.1' is not an IPv4 or IPv6 address");
    EXPECT_EQ(reasonFor("localhost"), "'localhost' is not an IPv4 or IPv6 address");
    EXPECT_EQ(reasonFor("10.0.0.0/33"), "prefix length 33 is out of range 0..32");
    EXPECT_EQ(reasonFor("::/129"), "prefix length 129 is out of range 0..128");
    EXPECT_EQ(reasonFor("10.0.0.0/"), "prefix length '' is not a decimal number");
    EXPECT_EQ(reasonFor("10.0.0.0/08"), "prefix length '08' is not a decimal number");
    EXPECT_EQ(reasonFor("10.0.0.0/+8"), "prefix length '+8' is not a decimal number");
    EXPECT_EQ(reasonFor("10.0.0.0/8/8"), "prefix length '8/8' is not a decimal number");
    EXPECT_EQ(reasonFor("10.0.0.0/0008"), "prefix length '0008' is not a decimal number");
    EXPECT_EQ(reasonFor("10/8"), "'10' is not an IPv4 or IPv6 address");
    EXPECT_EQ(reasonFor("fe80::1%eth0/64"), "'fe80::1%eth0' is not an IPv4 or IPv6 address");
    EXPECT_EQ(reasonFor(std::string(65, '1')), "longer than 64 characters");
}

TEST(NetworkList, ParsesCommaAndBlankSeparatedRanges) {
    std::string why;
    auto list = NetworkList::parse("127.0.0.1/8, 10.0.0.0/8 ::1/128,,", &why);
    ASSERT_TRUE(list) << why;
    EXPECT_EQ(list->toString(), "127.0.0.0/8, 10.0.0.0/8, ::1/128");
    EXPECT_TRUE(list->contains(ip("127.3.4.5")));
    EXPECT_TRUE(list->contains(ip("10.9.9.9")));
    EXPECT_TRUE(list->contains(ip("::1")));
    EXPECT_FALSE(list->contains(ip("::2")));
    EXPECT_FALSE(list->contains(ip("192.168.1.1")));
    // A duplicate (after masking) is kept once.
    auto dup = NetworkList::parse("127.0.0.1/8,127.0.0.0/8");
    ASSERT_TRUE(dup);
    EXPECT_EQ(dup->networks().size(), 1u);
}

TEST(NetworkList, RejectsEmptyBadAndOversizedLists) {
    std::string why;
    EXPECT_FALSE(NetworkList::parse(" , ", &why));
    EXPECT_EQ(why, "no network given (e.g. 127.0.0.1/32, 10.0.0.0/8, ::1/128)");
    EXPECT_FALSE(NetworkList::parse("127.0.0.1/8, 10.0.0.0/40", &why));
    EXPECT_EQ(why, "'10.0.0.0/40': prefix length 40 is out of range 0..32");
    std::string longEntry(200, 'a');
    EXPECT_FALSE(NetworkList::parse(longEntry, &why));
    EXPECT_EQ(why, "'" + std::string(64, 'a') + "...': longer than 64 characters");

    std::string many;
    for (int i = 0; i <= 256; ++i) {
        many += "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ",";
    }
    EXPECT_FALSE(NetworkList::parse(many, &why));
    EXPECT_EQ(why, "more than 256 networks");
    NetworkList full;
    auto first = NetworkList::parse("10.0.0.0/8");
    ASSERT_TRUE(first);
    for (int i = 0; i < 256; ++i) {
        ASSERT_TRUE(full.add(Network(ip(("172.16.0." + std::to_string(i)).c_str()), 32)));
    }
    EXPECT_FALSE(full.merge(*first));
    EXPECT_EQ(full.networks().size(), 256u);
}
