#include "kernel/NftablesSettings.h"

#include <gtest/gtest.h>

namespace rtprelay::kernel {
namespace {

using Families = std::vector<std::string>;

config::Config tableZero() {
    config::Config c;
    c.table = 0;
    c.nftablesChain = "rtpengine_0";
    return c;
}

TEST(NftablesSettings, FamilyListsMapToNftFamilies) {
    EXPECT_EQ(parseNftablesFamilies("ip,ip6"), (Families{"ip", "ip6"}));
    EXPECT_EQ(parseNftablesFamilies("ip4"), (Families{"ip"}));
    EXPECT_EQ(parseNftablesFamilies("ip6"), (Families{"ip6"}));
    EXPECT_EQ(parseNftablesFamilies("inet"), (Families{"inet"}));
    EXPECT_EQ(parseNftablesFamilies(" ip6 , ip4 ,ip"), (Families{"ip6", "ip"}));
    EXPECT_FALSE(parseNftablesFamilies("ipx"));
    EXPECT_FALSE(parseNftablesFamilies("ip,"));
    EXPECT_FALSE(parseNftablesFamilies(""));
}

TEST(NftablesSettings, NamesThatNftWouldNotParseAreRejected) {
    for (const char* good : {"rtpengine_0", "INPUT", "input", "_x", ".x", "a-b/c.d"}) {
        EXPECT_TRUE(isValidNftablesName(good)) << good;
    }
    for (const char* bad : {"", "0chain", "-x", "a b", "x;flush ruleset", "x\"", "x\n"}) {
        EXPECT_FALSE(isValidNftablesName(bad)) << bad;
    }
    EXPECT_FALSE(isValidNftablesName(std::string(256, 'a')));
}

TEST(NftablesSettings, FromConfig) {
    std::string why;
    auto s = nftablesSettingsFrom(tableZero(), &why);
    ASSERT_TRUE(s) << why;
    EXPECT_EQ(s->table, 0);
    EXPECT_EQ(s->chain, "rtpengine_0");
    EXPECT_EQ(s->baseChain, "INPUT");
    EXPECT_FALSE(s->append);
    EXPECT_EQ(s->families, (Families{"ip", "ip6"}));
    EXPECT_EQ(s->portSet(), "rtprelay_ports_0");
    EXPECT_EQ(s->markerComment(), "rtprelay UDP handler table 0");

    config::Config c = tableZero();
    c.table = 7;
    c.nftablesChain = "mine";
    c.nftablesBaseChain = "none";
    c.nftablesAppend = true;
    c.nftablesFamily = "inet";
    s = nftablesSettingsFrom(c, &why);
    ASSERT_TRUE(s) << why;
    EXPECT_EQ(s->jumpComment(), "rtprelay jump table 7");
    EXPECT_FALSE(s->jumpsFromBaseChain());
    EXPECT_TRUE(s->append);
    EXPECT_EQ(s->families, (Families{"inet"}));
}

TEST(NftablesSettings, UnusableConfigurationsSayWhy) {
    std::string why;
    config::Config c = tableZero();
    c.table = -1;
    EXPECT_FALSE(nftablesSettingsFrom(c, &why));
    EXPECT_EQ(why, "nftables needs a kernel table: set --table to 0 or more");

    c = tableZero();
    c.nftablesChain = "";
    EXPECT_FALSE(nftablesSettingsFrom(c, &why));
    EXPECT_EQ(why, "nftables needs a chain name: --nftables-chain is empty");

    c = tableZero();
    c.nftablesChain = "x; flush ruleset";
    EXPECT_FALSE(nftablesSettingsFrom(c, &why));
    EXPECT_EQ(why, "invalid nftables chain name 'x; flush ruleset'");

    c = tableZero();
    c.nftablesBaseChain = "IN PUT";
    EXPECT_FALSE(nftablesSettingsFrom(c, &why));
    EXPECT_EQ(why, "invalid nftables base chain name 'IN PUT'");

    c = tableZero();
    c.nftablesBaseChain = "rtpengine_0";
    EXPECT_FALSE(nftablesSettingsFrom(c, &why));
    EXPECT_NE(why.find("both 'rtpengine_0'"), std::string::npos) << why;

    c = tableZero();
    c.nftablesBaseChain = "";  // our chain becomes the base chain
    EXPECT_TRUE(nftablesSettingsFrom(c, &why));
}

}  // namespace
}  // namespace rtprelay::kernel
