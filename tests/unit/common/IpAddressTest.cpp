#include <gtest/gtest.h>

#include "common/IpAddress.h"

using rtprelay::net::Endpoint;
using rtprelay::net::IpAddress;

TEST(IpAddress, ParsesBothFamiliesAndBrackets) {
    auto v4 = IpAddress::parse("192.0.2.7");
    ASSERT_TRUE(v4);
    EXPECT_TRUE(v4->isV4());
    EXPECT_EQ(v4->toString(), "192.0.2.7");
    auto v6 = IpAddress::parse("[2001:db8::1]");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->isV6());
    EXPECT_EQ(v6->toString(), "2001:db8::1");
    EXPECT_FALSE(IpAddress::parse("300.1.1.1"));
    EXPECT_FALSE(IpAddress::parse(""));
    EXPECT_FALSE(IpAddress::parse("example.org"));
}

TEST(Endpoint, ParsesHostPortAndRejectsAmbiguousV6) {
    auto e = Endpoint::parse("127.0.0.1:2223");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->port(), 2223);
    EXPECT_EQ(e->toString(), "127.0.0.1:2223");
    auto e6 = Endpoint::parse("[::1]:2223");
    ASSERT_TRUE(e6);
    EXPECT_EQ(e6->toString(), "[::1]:2223");
    EXPECT_FALSE(Endpoint::parse("::1:2223"));
    EXPECT_FALSE(Endpoint::parse("127.0.0.1:65536"));
    EXPECT_FALSE(Endpoint::parse("127.0.0.1:"));
    EXPECT_FALSE(Endpoint::parse("127.0.0.1:22x"));
}

TEST(Endpoint, SockaddrRoundTrip) {
    auto e = Endpoint::parse("[2001:db8::5]:40000");
    ASSERT_TRUE(e);
    sockaddr_storage ss;
    socklen_t len = e->toSockaddr(ss);
    auto back = Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, *e);
}
