#include <gtest/gtest.h>

#include <climits>

#include "config/ValueSyntax.h"

namespace syntax = rtprelay::config::syntax;

TEST(ValueSyntax, IntegersParseFullyIncludingSignAndHex) {
    EXPECT_EQ(*syntax::parseInteger("0"), 0);
    EXPECT_EQ(*syntax::parseInteger("30000"), 30000);
    EXPECT_EQ(*syntax::parseInteger("-1"), -1);
    EXPECT_EQ(*syntax::parseInteger("+7"), 7);
    EXPECT_EQ(*syntax::parseInteger("0x3d"), 0x3d);
    EXPECT_EQ(*syntax::parseInteger("010"), 10);
    EXPECT_EQ(*syntax::parseInteger("-9223372036854775808"), LLONG_MIN);
    for (const char* bad : {"", "abc", "12abc", " 1", "1 ", "--1", "+-1", "0x", "1.5", "-"}) {
        auto parsed = syntax::parseInteger(bad);
        EXPECT_FALSE(parsed) << bad;
        EXPECT_EQ(parsed.error(), "not an integer") << bad;
    }
    EXPECT_EQ(syntax::parseInteger("99999999999999999999").error(), "out of range");
    EXPECT_EQ(syntax::parseInteger("9223372036854775808").error(), "out of range");
}

TEST(ValueSyntax, BooleansAcceptTheUsualSpellingsCaseInsensitively) {
    for (const char* yes : {"true", "TRUE", "yes", "Yes", "1", "on", "ON"}) {
        auto parsed = syntax::parseBoolean(yes);
        ASSERT_TRUE(parsed) << yes;
        EXPECT_TRUE(*parsed) << yes;
    }
    for (const char* no : {"false", "False", "no", "NO", "0", "off", "Off"}) {
        auto parsed = syntax::parseBoolean(no);
        ASSERT_TRUE(parsed) << no;
        EXPECT_FALSE(*parsed) << no;
    }
    EXPECT_FALSE(syntax::parseBoolean("maybe"));
    EXPECT_FALSE(syntax::parseBoolean(""));
    EXPECT_FALSE(syntax::parseBoolean("2"));
}

TEST(ValueSyntax, RealsAndFacilities) {
    EXPECT_DOUBLE_EQ(*syntax::parseReal("1.5"), 1.5);
    EXPECT_FALSE(syntax::parseReal("x"));
    EXPECT_FALSE(syntax::parseReal(" 1"));
    EXPECT_FALSE(syntax::parseReal(""));
    EXPECT_TRUE(syntax::isSyslogFacility("daemon"));
    EXPECT_TRUE(syntax::isSyslogFacility("local7"));
    EXPECT_FALSE(syntax::isSyslogFacility("local8"));
    EXPECT_FALSE(syntax::isSyslogFacility("DAEMON"));
    EXPECT_EQ(syntax::trim(" \t a b \r"), "a b");
}
