#include "kernel/NftablesTable.h"

#include <gtest/gtest.h>

namespace rtprelay::kernel {
namespace {

// libnftables 1.0.6's JSON for a table with a commented table and base chain, a set, a map
// and a counter object: the comments are missing, as they are from that version's JSON.
const char* json = R"({"nftables": [
  {"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
  {"table": {"family": "ip", "name": "filter", "handle": 1}},
  {"set": {"family": "ip", "name": "ports", "table": "filter", "type": "inet_service", "handle": 2}},
  {"map": {"family": "ip", "name": "m", "table": "filter", "type": "ipv4_addr", "handle": 3, "map": "verdict"}},
  {"counter": {"family": "ip", "name": "c", "table": "filter", "handle": 4, "packets": 0, "bytes": 0}},
  {"chain": {"family": "ip", "table": "filter", "name": "INPUT", "handle": 5, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}},
  {"chain": {"family": "ip", "table": "filter", "name": "other", "handle": 6}}
]})";

// The same table as `nft list table ip filter` prints it.
const char* listing =
    "table ip filter {\n"
    "\tcomment \"created by rtprelay\"\n"
    "\tset ports {\n"
    "\t\ttype inet_service\n"
    "\t\tcomment \"a set's comment is not the table's\"\n"
    "\t}\n"
    "\n"
    "\tchain INPUT {\n"
    "\t\tcomment \"created by rtprelay\"\n"
    "\t\ttype filter hook input priority filter; policy accept;\n"
    "\t\tudp dport 5060 accept comment \"a rule's comment\"\n"
    "\t}\n"
    "\n"
    "\tchain other {\n"
    "\t\tudp dport 5061 accept\n"
    "\t}\n"
    "}\n";

TEST(NftablesTable, CommentsOfTableAndChainsComeFromTheListing) {
    auto table = NftablesTable::parse(json);
    ASSERT_TRUE(table);
    EXPECT_EQ(table->tableComment(), "");
    table->addCommentsFromListing(listing);
    EXPECT_EQ(table->tableComment(), "created by rtprelay");
    ASSERT_NE(table->findChain("INPUT"), nullptr);
    EXPECT_EQ(table->findChain("INPUT")->comment, "created by rtprelay");
    ASSERT_NE(table->findChain("other"), nullptr);
    EXPECT_EQ(table->findChain("other")->comment, "");
    // The map and the counter are objects of other kinds; the set is listed as a set.
    EXPECT_EQ(table->otherObjects(), 2u);
    EXPECT_EQ(table->sets(), std::vector<std::string>{"ports"});
}

TEST(NftablesTable, CommentsInNewerJsonAreReadToo) {
    auto table = NftablesTable::parse(
        R"({"nftables": [{"table": {"family": "ip6", "name": "filter", "handle": 1, "comment": "t"}},
            {"chain": {"family": "ip6", "table": "filter", "name": "INPUT", "handle": 2, "hook": "input", "policy": "accept", "comment": "c"}}]})");
    ASSERT_TRUE(table);
    EXPECT_EQ(table->tableComment(), "t");
    EXPECT_EQ(table->findChain("INPUT")->comment, "c");
    EXPECT_EQ(table->otherObjects(), 0u);
}

}  // namespace
TEST(NftablesTable, SetElementCountOfASetListing) {
    EXPECT_EQ(NftablesTable::setElementCount(
                  R"({"nftables": [{"metainfo": {"json_schema_version": 1}}, {"set": {"family":)"
                  R"( "ip", "name": "rtprelay_ports_0", "table": "filter", "type":)"
                  R"( "inet_service", "handle": 3, "elem": [30000, 30002]}}]})"),
              2u);
    EXPECT_EQ(NftablesTable::setElementCount(
                  R"({"nftables": [{"set": {"family": "ip", "name": "s", "table": "filter"}}]})"),
              0u);
    EXPECT_EQ(NftablesTable::setElementCount(R"({"nftables": []})"), std::nullopt);
    EXPECT_EQ(NftablesTable::setElementCount(R"({"nftables": [{"set": {"elem": 5}}]})"),
              std::nullopt);
    EXPECT_EQ(NftablesTable::setElementCount("not json"), std::nullopt);
}

}  // namespace rtprelay::kernel
