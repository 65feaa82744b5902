#include "common/Text.h"

#include <gtest/gtest.h>

namespace rtprelay::text {
namespace {

TEST(Text, EqualsIgnoreCaseIsAsciiOnly) {
    EXPECT_TRUE(equalsIgnoreCase("PCMA", "pcma"));
    EXPECT_TRUE(equalsIgnoreCase("Content-Length", "content-LENGTH"));
    EXPECT_TRUE(equalsIgnoreCase("", ""));
    EXPECT_FALSE(equalsIgnoreCase("PCMA", "PCMU"));
    EXPECT_FALSE(equalsIgnoreCase("PCM", "PCMA"));
    // Only A-Z fold: '@' and '`' sit next to them in ASCII.
    EXPECT_FALSE(equalsIgnoreCase("@", "`"));
    EXPECT_FALSE(equalsIgnoreCase("\xC4", "\xE4"));
}

TEST(Text, ParseDigitsTakesOnlyABoundedRunOfDigits) {
    EXPECT_EQ(parseDigits("0", 3), 0u);
    EXPECT_EQ(parseDigits("127", 3), 127u);
    EXPECT_EQ(parseDigits("007", 3), 7u);
    EXPECT_EQ(parseDigits("999999999", 9), 999999999u);
    EXPECT_EQ(parseDigits("9999999999999999999", 30), 9999999999999999999u);
    EXPECT_FALSE(parseDigits("", 3));
    EXPECT_FALSE(parseDigits("1000", 3));
    EXPECT_FALSE(parseDigits("99999999999999999999", 30));  // 20 digits could overflow
    EXPECT_FALSE(parseDigits("+1", 3));
    EXPECT_FALSE(parseDigits("-1", 3));
    EXPECT_FALSE(parseDigits(" 1", 3));
    EXPECT_FALSE(parseDigits("1 ", 3));
    EXPECT_FALSE(parseDigits("1a", 3));
}

}  // namespace
}  // namespace rtprelay::text
