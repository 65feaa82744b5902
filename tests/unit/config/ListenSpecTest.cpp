#include <gtest/gtest.h>

#include <algorithm>

#include "config/AddressResolver.h"
#include "config/ListenSpec.h"

using rtprelay::config::AddressResolver;
using rtprelay::config::ListenSpec;
using rtprelay::net::Endpoint;
using rtprelay::net::IpAddress;

TEST(ListenSpec, PortAloneBindsBothWildcards) {
    auto parsed = ListenSpec::parse("2223");
    ASSERT_TRUE(parsed) << parsed.error();
    ASSERT_EQ(parsed->size(), 2u);
    EXPECT_EQ((*parsed)[0].toString(), "0.0.0.0:2223");
    EXPECT_EQ((*parsed)[1].toString(), "[::]:2223");
}

TEST(ListenSpec, LiteralHostPort) {
    auto v4 = ListenSpec::parse("127.0.0.1:2223");
    ASSERT_TRUE(v4);
    ASSERT_EQ(v4->size(), 1u);
    EXPECT_EQ(v4->front().toString(), "127.0.0.1:2223");
    auto v6 = ListenSpec::parse("[::1]:2224");
    ASSERT_TRUE(v6);
    ASSERT_EQ(v6->size(), 1u);
    EXPECT_EQ(v6->front().toString(), "[::1]:2224");
}

TEST(ListenSpec, HostNameGivesEveryResolvedAddress) {
    auto parsed = ListenSpec::parse("localhost:2223");
    ASSERT_TRUE(parsed) << parsed.error();
    auto expected = AddressResolver::resolve("localhost");
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(parsed->size(), expected.size());
    EXPECT_NE(std::find(parsed->begin(), parsed->end(), *Endpoint::parse("127.0.0.1:2223")),
              parsed->end());
    for (const Endpoint& e : *parsed) {
        EXPECT_EQ(e.port(), 2223);
        EXPECT_TRUE(e.address().isLoopback());
    }
}

TEST(ListenSpec, RejectsBadPortsAndHosts) {
    EXPECT_EQ(ListenSpec::parse("0").error(), "port must be between 1 and 65535");
    EXPECT_EQ(ListenSpec::parse("65536").error(), "port must be between 1 and 65535");
    EXPECT_EQ(ListenSpec::parse("127.0.0.1:99999").error(), "port must be between 1 and 65535");
    EXPECT_EQ(ListenSpec::parse("abc").error(), "'abc' is not a port number");
    EXPECT_EQ(ListenSpec::parse("127.0.0.1:").error(), "'' is not a port number");
    EXPECT_EQ(ListenSpec::parse("127.0.0.1:-5").error(), "'-5' is not a port number");
    EXPECT_EQ(ListenSpec::parse(":2223").error(), "missing host before ':'");
    EXPECT_EQ(ListenSpec::parse("::1:2223").error(),
              "IPv6 addresses must be written in brackets, e.g. [::1]:2223");
    EXPECT_EQ(ListenSpec::parse("[::1]").error(), "expected HOST:PORT");
    EXPECT_EQ(ListenSpec::parse("[nonsense]:2223").error(), "'[nonsense]' is not an IPv6 address");
    EXPECT_EQ(ListenSpec::parse("300.1.1.1:2223").error(),
              "'300.1.1.1' is not an address or resolvable name");
}

TEST(ListenSpec, DestinationNeedsAHost) {
    auto homer = ListenSpec::parseDestination("127.0.0.1:9060");
    ASSERT_TRUE(homer);
    EXPECT_EQ(homer->toString(), "127.0.0.1:9060");
    EXPECT_EQ(ListenSpec::parseDestination("9060").error(), "expected HOST:PORT");
}

TEST(AddressResolver, HostNameSyntaxKeepsTyposAwayFromDns) {
    EXPECT_TRUE(AddressResolver::isHostName("localhost"));
    EXPECT_TRUE(AddressResolver::isHostName("media-1.example.org."));
    EXPECT_TRUE(AddressResolver::isHostName("_srv.example"));
    EXPECT_FALSE(AddressResolver::isHostName("300.1.1.1"));
    EXPECT_FALSE(AddressResolver::isHostName("a..b"));
    EXPECT_FALSE(AddressResolver::isHostName("-a.b"));
    EXPECT_FALSE(AddressResolver::isHostName("a b"));
    EXPECT_FALSE(AddressResolver::isHostName(""));
    EXPECT_TRUE(AddressResolver::resolve("300.1.1.1").empty());
}
