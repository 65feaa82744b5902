// The ruleset generation: crafted answers for the parser, the real kernel for the query.
#include "kernel/NftablesGeneration.h"

#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>
#include <vector>

#include "unit/nftables/NetnsFixture.h"

namespace rtprelay::kernel::test {
namespace {

constexpr uint16_t kNewGen = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN;

// An answer of `type` carrying `attributes` (type, payload) after the nfgenmsg; `lengthDelta`
// corrupts the first attribute's length.
std::vector<uint32_t> answer(
    uint16_t type, const std::vector<std::pair<uint16_t, std::vector<uint8_t>>>& attributes,
    int lengthDelta = 0) {
    std::vector<uint8_t> bytes(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg)));
    bool first = true;
    for (const auto& [attrType, payload] : attributes) {
        nlattr header{};
        header.nla_type = attrType;
        header.nla_len =
            static_cast<uint16_t>(NLA_HDRLEN + payload.size() + (first ? lengthDelta : 0));
        first = false;
        size_t at = bytes.size();
        bytes.resize(at + NLA_ALIGN(NLA_HDRLEN + payload.size()));
        std::memcpy(bytes.data() + at, &header, sizeof(header));
        std::memcpy(bytes.data() + at + NLA_HDRLEN, payload.data(), payload.size());
    }
    nlmsghdr header{};
    header.nlmsg_len = static_cast<uint32_t>(bytes.size());
    header.nlmsg_type = type;
    std::memcpy(bytes.data(), &header, sizeof(header));
    std::vector<uint32_t> aligned((bytes.size() + 3) / 4);
    std::memcpy(aligned.data(), bytes.data(), bytes.size());
    return aligned;
}

std::vector<uint8_t> be32(uint32_t value) {
    uint32_t network = htonl(value);
    std::vector<uint8_t> bytes(4);
    std::memcpy(bytes.data(), &network, 4);
    return bytes;
}

const nlmsghdr& header(const std::vector<uint32_t>& message) {
    return *reinterpret_cast<const nlmsghdr*>(message.data());
}

TEST(NftablesGenerationParseTest, ReadsTheGenerationAmongOtherAttributes) {
    std::vector<uint8_t> name = {'n', 'f', 't', 0};
    auto message = answer(kNewGen, {{NFTA_GEN_PROC_PID, be32(42)},
                                    {NFTA_GEN_PROC_NAME, name},
                                    {NFTA_GEN_ID, be32(0x01020304)}});
    EXPECT_EQ(NftablesGeneration::parse(header(message)), 0x01020304u);
}

TEST(NftablesGenerationParseTest, RefusesOtherMessagesAndBrokenAttributes) {
    EXPECT_FALSE(NftablesGeneration::parse(header(answer(kNewGen, {}))));
    EXPECT_FALSE(NftablesGeneration::parse(
        header(answer((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE, {{NFTA_GEN_ID, be32(7)}}))));
    // A generation of the wrong size, and attributes running past the message.
    EXPECT_FALSE(NftablesGeneration::parse(header(answer(kNewGen, {{NFTA_GEN_ID, {1, 2}}}))));
    EXPECT_FALSE(NftablesGeneration::parse(header(answer(kNewGen, {{NFTA_GEN_ID, be32(7)}}, 64))));
    EXPECT_FALSE(NftablesGeneration::parse(header(answer(kNewGen, {{NFTA_GEN_ID, be32(7)}}, -8))));
    // Shorter than its own family header.
    auto message = answer(kNewGen, {{NFTA_GEN_ID, be32(7)}});
    auto truncated = message;
    reinterpret_cast<nlmsghdr*>(truncated.data())->nlmsg_len = NLMSG_HDRLEN + 2;
    EXPECT_FALSE(NftablesGeneration::parse(header(truncated)));
}

class NftablesGenerationTest : public NetnsFixture {};

TEST_F(NftablesGenerationTest, EveryCommitAdvancesItByOneAndListingDoesNot) {
    NftablesGeneration generation;
    auto start = generation.current();
    ASSERT_TRUE(start) << start.error();
    ASSERT_EQ(sh("nft list ruleset").status, 0);
    EXPECT_EQ(*generation.current(), *start);
    ASSERT_EQ(sh("nft add table ip t").status, 0);
    EXPECT_EQ(*generation.current(), *start + 1);
    // One transaction of several commands is one commit; a refused one is none.
    ASSERT_EQ(sh("printf 'add chain ip t a\\nadd chain ip t b\\n' | nft -f -").status, 0);
    EXPECT_EQ(*generation.current(), *start + 2);
    EXPECT_NE(sh("nft delete chain ip t missing 2>/dev/null").status, 0);
    EXPECT_EQ(*generation.current(), *start + 2);
}

}  // namespace
}  // namespace rtprelay::kernel::test
