#include <gtest/gtest.h>

#include <algorithm>

#include "config/AddressResolver.h"
#include "config/InterfaceSpec.h"

using rtprelay::config::AddressResolver;
using rtprelay::config::InterfaceAddress;
using rtprelay::config::InterfaceSpec;
using rtprelay::net::IpAddress;

namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

}  // namespace

TEST(InterfaceSpec, NameAndAddress) {
    auto parsed = InterfaceSpec::parse("pub/192.0.2.10");
    ASSERT_TRUE(parsed) << parsed.error();
    ASSERT_EQ(parsed->size(), 1u);
    EXPECT_EQ((*parsed)[0].name, "pub");
    EXPECT_EQ((*parsed)[0].local, ip("192.0.2.10"));
    EXPECT_EQ((*parsed)[0].advertised, ip("192.0.2.10"));
}

TEST(InterfaceSpec, AddressAloneIsNamedDefault) {
    auto parsed = InterfaceSpec::parse("127.0.0.1");
    ASSERT_TRUE(parsed);
    ASSERT_EQ(parsed->size(), 1u);
    EXPECT_EQ((*parsed)[0].name, "default");
    EXPECT_EQ((*parsed)[0].local, ip("127.0.0.1"));
}

TEST(InterfaceSpec, AdvertisedAddress) {
    auto parsed = InterfaceSpec::parse("ext/10.0.0.5!203.0.113.7");
    ASSERT_TRUE(parsed);
    ASSERT_EQ(parsed->size(), 1u);
    EXPECT_EQ((*parsed)[0].name, "ext");
    EXPECT_EQ((*parsed)[0].local, ip("10.0.0.5"));
    EXPECT_EQ((*parsed)[0].advertised, ip("203.0.113.7"));
    auto byName = InterfaceSpec::parse("10.0.0.5!localhost");
    ASSERT_TRUE(byName) << byName.error();
    EXPECT_TRUE((*byName)[0].advertised.isLoopback());
}

TEST(InterfaceSpec, Ipv6WithAndWithoutBrackets) {
    auto bare = InterfaceSpec::parse("v6/2001:db8::1");
    ASSERT_TRUE(bare);
    EXPECT_EQ((*bare)[0].local, ip("2001:db8::1"));
    auto bracketed = InterfaceSpec::parse("[2001:db8::2]![2001:db8::99]");
    ASSERT_TRUE(bracketed) << bracketed.error();
    EXPECT_EQ((*bracketed)[0].local, ip("2001:db8::2"));
    EXPECT_EQ((*bracketed)[0].advertised, ip("2001:db8::99"));
}

TEST(InterfaceSpec, DeviceExpandsToItsAddresses) {
    auto expected = AddressResolver::deviceAddresses("lo");
    if (!expected || expected->empty()) {
        GTEST_SKIP() << "no loopback device with an address";
    }
    auto parsed = InterfaceSpec::parse("loop/lo");
    ASSERT_TRUE(parsed) << parsed.error();
    ASSERT_EQ(parsed->size(), expected->size());
    for (size_t i = 0; i < parsed->size(); ++i) {
        EXPECT_EQ((*parsed)[i].name, "loop");
        EXPECT_EQ((*parsed)[i].local, (*expected)[i]);
        EXPECT_TRUE((*parsed)[i].local.isLoopback());
    }
    EXPECT_NE(std::find_if(parsed->begin(), parsed->end(),
                           [](const InterfaceAddress& a) { return a.local == ip("127.0.0.1"); }),
              parsed->end());
}

TEST(InterfaceSpec, AnyIsEveryNonLoopbackAddress) {
    auto expected = AddressResolver::allAddresses();
    auto parsed = InterfaceSpec::parse("all/any");
    if (expected.empty()) {
        EXPECT_FALSE(parsed);
        return;
    }
    ASSERT_TRUE(parsed) << parsed.error();
    ASSERT_EQ(parsed->size(), expected.size());
    for (const InterfaceAddress& a : *parsed) {
        EXPECT_FALSE(a.local.isLoopback());
        EXPECT_FALSE(a.local.isLinkLocal());
    }
}

TEST(InterfaceSpec, HostNameResolvesToItsFirstAddress) {
    auto parsed = InterfaceSpec::parse("local/localhost");
    ASSERT_TRUE(parsed) << parsed.error();
    ASSERT_EQ(parsed->size(), 1u);
    EXPECT_EQ((*parsed)[0].local, AddressResolver::resolve("localhost").front());
}

TEST(InterfaceSpec, RejectsBadSpecs) {
    EXPECT_EQ(InterfaceSpec::parse("pub/300.1.1.1").error(),
              "'300.1.1.1' is not an address, device or resolvable name");
    EXPECT_EQ(InterfaceSpec::parse("pub/no such thing").error(),
              "'no such thing' is not an address, device or resolvable name");
    EXPECT_EQ(InterfaceSpec::parse("/192.0.2.1").error(), "empty interface name before '/'");
    EXPECT_EQ(InterfaceSpec::parse("pub/").error(), "missing address");
    EXPECT_EQ(InterfaceSpec::parse("pub/!192.0.2.1").error(), "missing address");
    EXPECT_EQ(InterfaceSpec::parse("pub/192.0.2.1!").error(), "empty advertised address after '!'");
    EXPECT_EQ(InterfaceSpec::parse("pub/192.0.2.1!1.2.3.999").error(),
              "advertised address '1.2.3.999' is not an address or resolvable name");
    EXPECT_EQ(InterfaceSpec::parse("0.0.0.0").error(),
              "'0.0.0.0' is the wildcard address; use 'any'");
    EXPECT_EQ(InterfaceSpec::parse("192.0.2.1!::").error(),
              "advertised address '::' is the wildcard address");
    EXPECT_EQ(InterfaceSpec::parse("alias=pub").error(),
              "interface aliases (ALIAS=NAME) are not supported yet");
}
