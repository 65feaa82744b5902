#include "kernel/NftablesManager.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <iostream>
#include <vector>

#include "unit/nftables/NetnsFixture.h"

namespace rtprelay::kernel::test {
namespace {

using Ports = std::set<int>;

NftablesSettings defaults() {
    return NftablesSettings{};  // table 0, rtpengine_0, INPUT, insert, ip + ip6
}

NftablesSettings with(const std::string& baseChain, std::vector<std::string> families,
                      bool append = false) {
    NftablesSettings s;
    s.baseChain = baseChain;
    s.families = std::move(families);
    s.append = append;
    return s;
}

// What setup() makes in an empty namespace with the defaults, as `nft list ruleset` shows it.
std::string defaultFamily(const std::string& family, const std::string& udp) {
    return "table " + family +
           " filter {\n"
           "\tcomment \"created by rtprelay\"\n"
           "\tset rtprelay_ports_0 {\n"
           "\t\ttype inet_service\n"
           "\t}\n"
           "\n"
           "\tchain rtpengine_0 {\n"
           "\t\tudp dport @rtprelay_ports_0 counter packets 0 bytes 0 accept comment "
           "\"rtprelay media ports table 0\"\n"
           "\t\tcontinue comment \"rtprelay UDP handler table 0\"\n"
           "\t}\n"
           "\n"
           "\tchain INPUT {\n"
           "\t\tcomment \"created by rtprelay\"\n"
           "\t\ttype filter hook input priority filter; policy accept;\n"
           "\t\t" +
           udp +
           " counter packets 0 bytes 0 jump rtpengine_0 comment \"rtprelay jump table 0\"\n"
           "\t}\n"
           "}\n";
}

// Someone else's firewall: drop policy, own rules, another table, both families.
const char* foreignRuleset = R"(table ip filter {
	set blocked {
		type ipv4_addr
		elements = { 192.0.2.1 }
	}
	chain INPUT {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		tcp dport 22 counter accept comment "ssh"
		ip saddr @blocked drop
	}
	chain FORWARD {
		type filter hook forward priority filter; policy drop;
	}
	chain custom {
		udp dport 5060 accept
	}
}
table ip6 filter {
	chain INPUT {
		type filter hook input priority filter; policy drop;
		meta l4proto ipv6-icmp accept
		tcp dport 22 accept
	}
}
table inet other {
	chain input {
		type filter hook input priority 10; policy accept;
		udp dport 53 counter accept
		jump helper
	}
	chain helper {
		ip saddr 198.51.100.0/24 accept
	}
}
)";

class NftablesManagerTest : public NetnsFixture {};

TEST_F(NftablesManagerTest, SetupCreatesTableSetChainMarkerAndJump) {
    NftablesManager nft(defaults());
    auto r = nft.setup();
    ASSERT_TRUE(r) << r.error();
    EXPECT_TRUE(nft.active());
    EXPECT_FALSE(nft.staleRemoved());
    EXPECT_EQ(ruleset(),
              defaultFamily("ip", "ip protocol udp") + defaultFamily("ip6", "meta l4proto udp"));
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), Ports{});
    EXPECT_TRUE(nft.status()) << nft.status().error();
}

TEST_F(NftablesManagerTest, ShutdownRemovesTheTablesAndBaseChainsItCreated) {
    NftablesManager nft(defaults());
    ASSERT_TRUE(nft.setup());
    ASSERT_TRUE(nft.addPort(30000));
    auto r = nft.shutdown();
    ASSERT_TRUE(r) << r.error();
    EXPECT_FALSE(nft.active());
    // Unlike rtpengine, which leaves table `filter` and INPUT behind: empty before, empty after.
    EXPECT_EQ(ruleset(), "");
    // Nothing left to remove: a second shutdown is a no-op.
    EXPECT_TRUE(nft.shutdown());
    EXPECT_EQ(ruleset(), "");
}

TEST_F(NftablesManagerTest, OnlyWhatItCreatedGoesAwayAndOnlyWhenEmpty) {
    // A usual host: iptables-nft made `ip filter` with INPUT, nobody made `ip6 filter`.
    load(R"(table ip filter {
	chain INPUT {
		type filter hook input priority filter; policy accept;
		tcp dport 22 accept
	}
}
table ip6 nat {
	chain POSTROUTING {
		type nat hook postrouting priority srcnat; policy accept;
	}
}
)");
    const std::string before = ruleset();
    NftablesManager nft(defaults());
    ASSERT_TRUE(nft.setup());
    EXPECT_EQ(count(ruleset(), "comment \"created by rtprelay\""), 2u) << ruleset();
    ASSERT_TRUE(nft.shutdown());
    EXPECT_EQ(ruleset(), before);

    // A table without INPUT: the chain we add goes, the table stays.
    ASSERT_EQ(sh("nft flush ruleset").status, 0);
    load(R"(table ip filter {
	chain FORWARD {
		type filter hook forward priority filter; policy drop;
	}
}
)");
    const std::string forwardOnly = ruleset();
    NftablesManager ip(with("INPUT", {"ip"}));
    ASSERT_TRUE(ip.setup());
    EXPECT_NE(chainText("ip", "INPUT").find("created by rtprelay"), std::string::npos);
    ASSERT_TRUE(ip.shutdown());
    EXPECT_EQ(ruleset(), forwardOnly);
}

TEST_F(NftablesManagerTest, WhatItCreatedStaysOnceTheOperatorUsesIt) {
    NftablesManager nft(defaults());
    ASSERT_TRUE(nft.setup());
    // The operator puts a rule into the INPUT chain we created in ip, and a set of their
    // own into the ip6 table we created.
    ASSERT_EQ(sh("nft add rule ip filter INPUT tcp dport 22 accept").status, 0);
    ASSERT_EQ(sh("nft add set ip6 filter theirs '{ type ipv6_addr; }'").status, 0);
    ASSERT_TRUE(nft.shutdown());
    std::string text = ruleset();
    EXPECT_NE(chainText("ip", "INPUT").find("tcp dport 22 accept"), std::string::npos) << text;
    EXPECT_EQ(sh("nft list chain ip6 filter INPUT").status, 1) << text;  // empty: removed
    EXPECT_NE(text.find("set theirs"), std::string::npos) << text;
    EXPECT_EQ(text.find("rtpengine_0"), std::string::npos) << text;
    EXPECT_EQ(text.find("rtprelay_ports_0"), std::string::npos) << text;

    // A created base chain whose policy the operator changed is theirs now too.
    ASSERT_EQ(sh("nft flush ruleset").status, 0);
    NftablesManager again(with("INPUT", {"ip"}));
    ASSERT_TRUE(again.setup());
    ASSERT_EQ(sh("nft 'add chain ip filter INPUT { policy drop; }'").status, 0);
    ASSERT_TRUE(again.shutdown());
    EXPECT_NE(chainText("ip", "INPUT").find("policy drop;"), std::string::npos) << ruleset();
}

TEST_F(NftablesManagerTest, StopAfterACrashRemovesWhatTheCrashedRunCreated) {
    {
        NftablesManager crashed(defaults());
        ASSERT_TRUE(crashed.setup());
        // Destroyed without shutdown(): what a crash leaves behind.
    }
    // A later --nftables-stop (another process) knows what was created by the comments.
    NftablesManager stop(defaults());
    ASSERT_TRUE(stop.shutdown());
    EXPECT_EQ(ruleset(), "");
}

TEST_F(NftablesManagerTest, PortsAppearInTheSetAndVanish) {
    NftablesManager nft(defaults());
    ASSERT_TRUE(nft.setup());
    std::vector<uint16_t> pair{30000, 30001};
    ASSERT_TRUE(nft.addPorts(pair));
    ASSERT_TRUE(nft.addPort(30002));
    ASSERT_TRUE(nft.addPort(30003));
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), (Ports{30000, 30001, 30002, 30003}));
    EXPECT_EQ(setElements("ip6", "rtprelay_ports_0"), (Ports{30000, 30001, 30002, 30003}));
    ASSERT_TRUE(nft.removePorts(pair));
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), (Ports{30002, 30003}));
    EXPECT_EQ(setElements("ip6", "rtprelay_ports_0"), (Ports{30002, 30003}));
    ASSERT_TRUE(nft.removePort(30002));
    ASSERT_TRUE(nft.removePort(30003));
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), Ports{});
}

TEST_F(NftablesManagerTest, PortsAreCountedPerAllocation) {
    NftablesManager nft(defaults());
    ASSERT_TRUE(nft.setup());
    // The same port number allocated on two local addresses: one pinhole until both go.
    ASSERT_TRUE(nft.addPort(40000));
    ASSERT_TRUE(nft.addPort(40000));
    ASSERT_TRUE(nft.removePort(40000));
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), Ports{40000});
    ASSERT_TRUE(nft.removePort(40000));
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), Ports{});
    // An unbalanced remove changes nothing, and later adds still work.
    EXPECT_TRUE(nft.removePort(40000));
    ASSERT_TRUE(nft.addPort(40000));
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), Ports{40000});
}

TEST_F(NftablesManagerTest, PortsAddedBeforeSetupAreFilledInAndSurviveARestart) {
    NftablesManager nft(defaults());
    ASSERT_TRUE(nft.addPort(30010));
    ASSERT_TRUE(nft.addPort(30011));
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), Ports{-1});  // no set yet
    ASSERT_TRUE(nft.setup());
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), (Ports{30010, 30011}));
    EXPECT_EQ(setElements("ip6", "rtprelay_ports_0"), (Ports{30010, 30011}));
    // setup() again (repair) rebuilds the set from the counts.
    ASSERT_TRUE(nft.setup());
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), (Ports{30010, 30011}));
}

TEST_F(NftablesManagerTest, ARemovedPortClosesEvenIfTheSetLostOtherElements) {
    NftablesManager nft(defaults());
    ASSERT_TRUE(nft.setup());
    ASSERT_TRUE(nft.addPorts(std::vector<uint16_t>{30000, 30001}));
    ASSERT_EQ(sh("nft delete element ip filter rtprelay_ports_0 { 30000 }").status, 0);
    EXPECT_TRUE(nft.removePorts(std::vector<uint16_t>{30000, 30001}));
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), Ports{});
    EXPECT_EQ(setElements("ip6", "rtprelay_ports_0"), Ports{});
}

TEST_F(NftablesManagerTest, ForeignRulesetIsByteIdenticalAfterwardsAndKeepsItsDropPolicy) {
    load(foreignRuleset);
    const std::string before = ruleset();
    {
        NftablesManager nft(defaults());
        auto r = nft.setup();
        ASSERT_TRUE(r) << r.error();
        ASSERT_TRUE(nft.addPort(30000));
        for (const char* family : {"ip", "ip6"}) {
            std::string input = chainText(family, "INPUT");
            EXPECT_NE(input.find("policy drop;"), std::string::npos) << input;
            // Inserted at the head: before the foreign rules.
            size_t jump = input.find("jump rtpengine_0");
            size_t ssh = input.find("tcp dport 22");
            EXPECT_LT(jump, ssh) << input;
        }
        EXPECT_EQ(chainText("ip", "FORWARD").find("policy drop;") != std::string::npos, true);
        EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), Ports{30000});
        EXPECT_TRUE(nft.status());
        r = nft.shutdown();
        ASSERT_TRUE(r) << r.error();
    }
    EXPECT_EQ(ruleset(), before);
}

TEST_F(NftablesManagerTest, AppendPutsTheJumpAtTheTail) {
    load(foreignRuleset);
    const std::string before = ruleset();
    NftablesManager nft(with("INPUT", {"ip"}, true));
    ASSERT_TRUE(nft.setup());
    std::string input = chainText("ip", "INPUT");
    EXPECT_GT(input.find("jump rtpengine_0"), input.find("ip saddr @blocked drop")) << input;
    ASSERT_TRUE(nft.shutdown());
    EXPECT_EQ(ruleset(), before);
}

TEST_F(NftablesManagerTest, PinholesLetExactlyTheAllocatedPortsThroughADropPolicy) {
    load(R"(table ip filter {
	chain INPUT {
		type filter hook input priority filter; policy drop;
	}
}
)");
    ASSERT_EQ(sh("ip link set lo up").status, 0);
    NftablesManager nft(with("INPUT", {"ip"}));
    ASSERT_TRUE(nft.setup());

    auto udpSocket = [](uint16_t port) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        return fd;
    };
    auto delivered = [](int fd, uint16_t port) {
        int out = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sendto(out, "x", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
        close(out);
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 200) != 1) {
            return false;
        }
        char b[8];
        return recv(fd, b, sizeof b, 0) == 1;
    };
    int open = udpSocket(30000);
    int closed = udpSocket(30002);
    ASSERT_TRUE(nft.addPort(30000));
    EXPECT_TRUE(delivered(open, 30000));
    EXPECT_FALSE(delivered(closed, 30002));
    ASSERT_TRUE(nft.removePort(30000));
    EXPECT_FALSE(delivered(open, 30000));
    EXPECT_NE(sh("nft list chain ip filter rtpengine_0").output.find("counter packets 1 "),
              std::string::npos);
    close(open);
    close(closed);
}

TEST_F(NftablesManagerTest, EmptyBaseChainMakesOurChainTheBaseChain) {
    NftablesManager nft(with("", {"ip"}));
    auto r = nft.setup();
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(ruleset(),
              "table ip filter {\n"
              "\tcomment \"created by rtprelay\"\n"
              "\tset rtprelay_ports_0 {\n"
              "\t\ttype inet_service\n"
              "\t}\n"
              "\n"
              "\tchain rtpengine_0 {\n"
              "\t\ttype filter hook input priority filter; policy accept;\n"
              "\t\tudp dport @rtprelay_ports_0 counter packets 0 bytes 0 accept comment "
              "\"rtprelay media ports table 0\"\n"
              "\t\tcontinue comment \"rtprelay UDP handler table 0\"\n"
              "\t}\n"
              "}\n");
    EXPECT_TRUE(nft.status()) << nft.status().error();
    ASSERT_TRUE(nft.shutdown());
    EXPECT_EQ(ruleset(), "");
}

TEST_F(NftablesManagerTest, BaseChainNoneAddsNoJump) {
    NftablesManager nft(with("none", {"ip"}));
    ASSERT_TRUE(nft.setup());
    std::string text = ruleset();
    EXPECT_EQ(text.find("INPUT"), std::string::npos) << text;
    EXPECT_EQ(text.find("jump"), std::string::npos) << text;
    EXPECT_NE(text.find("chain rtpengine_0 {"), std::string::npos) << text;
    EXPECT_TRUE(nft.status()) << nft.status().error();
    ASSERT_TRUE(nft.shutdown());
    EXPECT_EQ(ruleset(), "");
}

TEST_F(NftablesManagerTest, BaseChainNoneKeepsTheOperatorsJumpAcrossRestarts) {
    NftablesManager nft(with("none", {"ip"}));
    ASSERT_TRUE(nft.setup());
    // The operator hooks our chain in themselves.
    load(R"(table ip filter {
	chain mine {
		type filter hook input priority filter; policy drop;
		udp dport 30000-39999 jump rtpengine_0
	}
}
)");
    ASSERT_TRUE(nft.addPort(30000));
    ASSERT_TRUE(nft.shutdown());
    // Their jump stays, so our chain cannot go: it is emptied down to the marker.
    EXPECT_NE(chainText("ip", "mine").find("jump rtpengine_0"), std::string::npos);
    std::string kept = chainText("ip", "rtpengine_0");
    EXPECT_EQ(kept.find("accept"), std::string::npos) << kept;
    EXPECT_NE(kept.find("rtprelay UDP handler table 0"), std::string::npos) << kept;
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), Ports{-1});
    EXPECT_FALSE(nft.status());

    NftablesManager next(with("none", {"ip"}));
    auto r = next.setup();
    ASSERT_TRUE(r) << r.error();
    EXPECT_TRUE(next.status()) << next.status().error();
    std::string chain = chainText("ip", "rtpengine_0");
    EXPECT_EQ(count(chain, "rtprelay UDP handler table 0"), 1u) << chain;
    EXPECT_EQ(count(chain, "rtprelay media ports table 0"), 1u) << chain;
    EXPECT_NE(chainText("ip", "mine").find("jump rtpengine_0"), std::string::npos);
}

TEST_F(NftablesManagerTest, FamiliesIpOnlyIp6OnlyAndInet) {
    {
        NftablesManager nft(with("INPUT", {"ip"}));
        ASSERT_TRUE(nft.setup());
        EXPECT_EQ(ruleset(), defaultFamily("ip", "ip protocol udp"));
        ASSERT_TRUE(nft.shutdown());
        ASSERT_EQ(sh("nft flush ruleset").status, 0);
    }
    {
        NftablesManager nft(with("INPUT", {"ip6"}));
        ASSERT_TRUE(nft.setup());
        EXPECT_EQ(ruleset(), defaultFamily("ip6", "meta l4proto udp"));
        ASSERT_TRUE(nft.shutdown());
        ASSERT_EQ(sh("nft flush ruleset").status, 0);
    }
    {
        NftablesManager nft(with("INPUT", {"inet"}));
        ASSERT_TRUE(nft.setup());
        EXPECT_EQ(ruleset(), defaultFamily("inet", "meta l4proto udp"));
        ASSERT_TRUE(nft.addPort(31000));
        EXPECT_EQ(setElements("inet", "rtprelay_ports_0"), Ports{31000});
        EXPECT_TRUE(nft.status());
        ASSERT_TRUE(nft.shutdown());
        EXPECT_EQ(ruleset(), "");
    }
}

TEST_F(NftablesManagerTest, LowercaseInputBaseChainOfAnInetFirewall) {
    load(R"(table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		tcp dport 22 accept
	}
}
)");
    const std::string before = ruleset();
    NftablesManager nft(with("input", {"inet"}));
    ASSERT_TRUE(nft.setup());
    EXPECT_EQ(sh("nft list chain inet filter INPUT").status, 1) << "no INPUT may appear";
    EXPECT_NE(chainText("inet", "input")
                  .find("meta l4proto udp counter packets 0 bytes 0 jump "
                        "rtpengine_0"),
              std::string::npos);
    EXPECT_TRUE(nft.status());
    ASSERT_TRUE(nft.shutdown());
    EXPECT_EQ(ruleset(), before);
}

TEST_F(NftablesManagerTest, ObjectsOfACrashedRunAreReplaced) {
    {
        NftablesManager crashed(defaults());
        ASSERT_TRUE(crashed.setup());
        ASSERT_TRUE(crashed.addPort(30000));
        // Destroyed without shutdown(): what a crash leaves behind.
    }
    NftablesManager nft(defaults());
    auto r = nft.setup();
    ASSERT_TRUE(r) << r.error();
    EXPECT_TRUE(nft.staleRemoved());
    const std::string recovered = ruleset();
    for (const char* comment : {"rtprelay jump table 0", "rtprelay media ports table 0",
                                "rtprelay UDP handler table 0"}) {
        EXPECT_EQ(count(recovered, comment), 2u) << comment << " in\n" << recovered;
    }
    EXPECT_EQ(count(recovered, "set rtprelay_ports_0 {"), 2u) << recovered;
    EXPECT_EQ(count(recovered, "chain INPUT {"), 2u) << recovered;
    // The crashed run's port is gone; the new run has none yet.
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), Ports{});
    // A clean stop removes everything (the crashed run created the tables and chains), and a
    // start makes the same objects again.
    ASSERT_TRUE(nft.shutdown());
    EXPECT_EQ(ruleset(), "");
    ASSERT_TRUE(nft.setup());
    EXPECT_FALSE(nft.staleRemoved());
    EXPECT_EQ(ruleset(),
              defaultFamily("ip", "ip protocol udp") + defaultFamily("ip6", "meta l4proto udp"));
}

TEST_F(NftablesManagerTest, LeftoversFoundByCommentAndRtpengineChainsAreRemoved) {
    // Leftovers: rtpengine's chain (its marker, an uncommented jump from INPUT), and a
    // commented jump of ours in a base chain another configuration used.
    load(R"(table ip filter {
	chain rtpengine_0 {
		continue comment "rtpengine UDP handler table 0"
	}
	chain INPUT {
		type filter hook input priority filter; policy drop;
		tcp dport 22 accept
		ip protocol udp counter jump rtpengine_0
	}
	chain stale_chain {
		continue comment "rtprelay UDP handler table 0"
	}
	chain OLDBASE {
		type filter hook input priority 5; policy accept;
		ip protocol udp counter jump stale_chain comment "rtprelay jump table 0"
		tcp dport 80 accept
	}
}
)");
    NftablesManager nft(with("INPUT", {"ip"}));
    auto r = nft.setup();
    ASSERT_TRUE(r) << r.error();
    EXPECT_TRUE(nft.staleRemoved());
    std::string text = ruleset();
    EXPECT_EQ(count(text, "jump rtpengine_0"), 1u) << text;
    EXPECT_EQ(count(text, "rtprelay jump table 0"), 1u) << text;
    EXPECT_EQ(text.find("rtpengine UDP handler"), std::string::npos) << text;
    EXPECT_EQ(text.find("jump stale_chain"), std::string::npos) << text;
    EXPECT_NE(text.find("tcp dport 80 accept"), std::string::npos) << text;
    EXPECT_NE(text.find("tcp dport 22 accept"), std::string::npos) << text;
    EXPECT_NE(chainText("ip", "INPUT").find("policy drop;"), std::string::npos);
    EXPECT_TRUE(nft.status()) << nft.status().error();
}

TEST_F(NftablesManagerTest, SomeoneElsesChainOfTheSameNameIsRefusedUntouched) {
    load(R"(table ip filter {
	chain rtpengine_0 {
		udp dport 9999 accept
	}
	chain INPUT {
		type filter hook input priority filter; policy drop;
		jump rtpengine_0
	}
}
)");
    const std::string before = ruleset();
    NftablesManager nft(defaults());
    auto r = nft.setup();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(),
              "nftables chain 'rtpengine_0' already exists in table 'ip filter' and is not "
              "rtprelay's (no rule commented 'rtprelay UDP handler table 0'); remove it or set "
              "another --nftables-chain");
    EXPECT_FALSE(nft.active());
    EXPECT_TRUE(nft.shutdown());
    EXPECT_EQ(ruleset(), before);
}

TEST_F(NftablesManagerTest, AFailedSetupLeavesNothingOfOurs) {
    // ip6 fails (a set of our name holding addresses, used by a rule of someone else);
    // ip, set up first, must be rolled back.
    load(R"(table ip6 filter {
	set rtprelay_ports_0 {
		type ipv6_addr
	}
	chain INPUT {
		type filter hook input priority filter; policy drop;
		ip6 saddr @rtprelay_ports_0 drop
	}
}
)");
    const std::string before = ruleset();
    NftablesManager nft(defaults());
    auto r = nft.setup();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("nftables setup in table 'ip6 filter' failed: "), std::string::npos)
        << r.error();
    EXPECT_FALSE(nft.active());
    std::string text = ruleset();
    EXPECT_EQ(text.find("rtpengine_0"), std::string::npos) << text;
    EXPECT_NE(text.find(before), std::string::npos) << text;
}

TEST_F(NftablesManagerTest, StatusSaysWhatIsMissing) {
    NftablesManager nft(defaults());
    EXPECT_EQ(nft.status().error(), "nftables table 'ip filter' does not exist");
    ASSERT_EQ(sh("nft add table ip filter").status, 0);
    EXPECT_EQ(nft.status().error(), "nftables chain 'rtpengine_0' not found in table 'ip filter'");
    ASSERT_TRUE(nft.setup());
    EXPECT_TRUE(nft.status());
    EXPECT_EQ(nft.status().error(), "");

    ASSERT_EQ(sh("nft flush chain ip6 filter INPUT").status, 0);
    EXPECT_EQ(nft.status().error(),
              "nftables base chain 'INPUT' in table 'ip6 filter' has no jump to 'rtpengine_0'");
    ASSERT_TRUE(nft.setup());
    EXPECT_TRUE(nft.status());

    ASSERT_TRUE(nft.shutdown());
    EXPECT_EQ(nft.status().error(), "nftables chain 'rtpengine_0' not found in table 'ip filter'");
    ASSERT_TRUE(nft.setup());

    // Without its marker the chain is no longer recognisably ours: status says so, and
    // neither setup() nor shutdown() touches it any more.
    ASSERT_EQ(sh("nft flush chain ip filter rtpengine_0").status, 0);
    EXPECT_EQ(nft.status().error(),
              "nftables chain 'rtpengine_0' in table 'ip filter' has no rtprelay rule for table 0");
    EXPECT_FALSE(nft.setup());
}

TEST_F(NftablesManagerTest, RepairPutsBackWhatAFirewallReloadOrARestartRemoved) {
    NftablesManager nft(defaults());
    // Not set up: nothing to repair, nothing created.
    ASSERT_TRUE(nft.repair());
    EXPECT_EQ(*nft.repair(), "");
    EXPECT_EQ(ruleset(), "");

    ASSERT_TRUE(nft.setup());
    ASSERT_TRUE(nft.addPorts(std::vector<uint16_t>{30000, 30001, 30002}));
    ASSERT_TRUE(nft.removePort(30001));
    auto intact = nft.repair();
    ASSERT_TRUE(intact) << intact.error();
    EXPECT_EQ(*intact, "");

    // A firewall reload flushes everything: chain, rules, set and jump come back, with the
    // ports in use.
    ASSERT_EQ(sh("nft flush ruleset").status, 0);
    auto restored = nft.repair();
    ASSERT_TRUE(restored) << restored.error();
    EXPECT_EQ(*restored,
              "nftables table 'ip filter' does not exist: chain, rules and set set up again");
    EXPECT_TRUE(nft.status()) << nft.status().error();
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), (Ports{30000, 30002}));
    EXPECT_EQ(setElements("ip6", "rtprelay_ports_0"), (Ports{30000, 30002}));

    // --nftables-stop then --nftables-start by hand: the objects are there, the set is empty.
    ASSERT_EQ(sh("nft flush set ip6 filter rtprelay_ports_0").status, 0);
    auto refilled = nft.repair();
    ASSERT_TRUE(refilled) << refilled.error();
    EXPECT_EQ(*refilled,
              "nftables set 'rtprelay_ports_0' in table 'ip6 filter' held 0 of the 2 ports in "
              "use: refilled");
    EXPECT_EQ(setElements("ip6", "rtprelay_ports_0"), (Ports{30000, 30002}));
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), (Ports{30000, 30002}));
    EXPECT_EQ(*nft.repair(), "");
}

// The periodic check lists the ruleset (and with it every port of the set) only when the
// ruleset generation moved for another reason than our own port updates.
TEST_F(NftablesManagerTest, RepairLooksOnlyWhenSomeoneElseChangedTheRuleset) {
    NftablesManager nft(defaults());
    ASSERT_TRUE(nft.setup());
    ASSERT_TRUE(nft.addPorts(std::vector<uint16_t>{30000, 30002}));
    EXPECT_EQ(*nft.repair(), "");
    const uint64_t looked = nft.inspections();
    EXPECT_EQ(*nft.repair(), "");
    ASSERT_TRUE(nft.addPort(30004));
    ASSERT_TRUE(nft.removePort(30000));
    EXPECT_EQ(*nft.repair(), "");
    EXPECT_EQ(nft.inspections(), looked);

    // Anyone else's commit, even one that does not touch our objects, makes it look.
    ASSERT_EQ(sh("nft add table ip other").status, 0);
    EXPECT_EQ(*nft.repair(), "");
    EXPECT_EQ(nft.inspections(), looked + 1);
    EXPECT_EQ(*nft.repair(), "");
    EXPECT_EQ(nft.inspections(), looked + 1);

    // A port taken out by someone else between two of our own updates is found and put back.
    ASSERT_TRUE(nft.addPort(30006));
    ASSERT_EQ(sh("nft delete element ip filter rtprelay_ports_0 { 30002 }").status, 0);
    ASSERT_TRUE(nft.addPort(30008));
    auto refilled = nft.repair();
    ASSERT_TRUE(refilled) << refilled.error();
    EXPECT_EQ(*refilled,
              "nftables set 'rtprelay_ports_0' in table 'ip filter' held 3 of the 4 ports in "
              "use: refilled");
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), (Ports{30002, 30004, 30006, 30008}));
}

TEST_F(NftablesManagerTest, TwoTablesCoexist) {
    NftablesSettings one = defaults();
    one.table = 1;
    one.chain = "rtpengine_1";
    NftablesManager zero(defaults());
    NftablesManager first(one);
    ASSERT_TRUE(zero.setup());
    ASSERT_TRUE(first.setup());
    ASSERT_TRUE(zero.addPort(30000));
    ASSERT_TRUE(first.addPort(40000));
    EXPECT_EQ(setElements("ip", "rtprelay_ports_1"), Ports{40000});
    ASSERT_TRUE(zero.shutdown());
    EXPECT_TRUE(first.status()) << first.status().error();
    EXPECT_FALSE(zero.status());
    EXPECT_EQ(setElements("ip", "rtprelay_ports_1"), Ports{40000});
    // A restart of table 1 does not take table 0's objects with it either.
    ASSERT_TRUE(zero.setup());
    ASSERT_TRUE(first.setup());
    EXPECT_TRUE(zero.status()) << zero.status().error();
    // The table and INPUT either created stay while the other still uses them; the last one
    // out removes them.
    ASSERT_TRUE(first.shutdown());
    EXPECT_TRUE(zero.status()) << zero.status().error();
    ASSERT_TRUE(zero.shutdown());
    EXPECT_EQ(ruleset(), "");
}

TEST_F(NftablesManagerTest, CostOfAThousandPortsAddedAndRemoved) {
    NftablesManager nft(defaults());
    ASSERT_TRUE(nft.setup());
    using Clock = std::chrono::steady_clock;
    auto micros = [](Clock::duration d) {
        return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    };
    constexpr int n = 1000;
    auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
        ASSERT_TRUE(nft.addPort(static_cast<uint16_t>(30000 + i)));
    }
    auto added = Clock::now();
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0").size(), static_cast<size_t>(n));
    auto removing = Clock::now();
    for (int i = 0; i < n; ++i) {
        ASSERT_TRUE(nft.removePort(static_cast<uint16_t>(30000 + i)));
    }
    auto removed = Clock::now();
    EXPECT_EQ(setElements("ip", "rtprelay_ports_0"), Ports{});

    // RTP/RTCP pairs as the port pool hands them out.
    auto pairs = Clock::now();
    for (int i = 0; i < n; i += 2) {
        std::vector<uint16_t> pair{static_cast<uint16_t>(30000 + i),
                                   static_cast<uint16_t>(30001 + i)};
        ASSERT_TRUE(nft.addPorts(pair));
        ASSERT_TRUE(nft.removePorts(pair));
    }
    auto pairsDone = Clock::now();

    auto addUs = micros(added - start) / n;
    auto removeUs = micros(removed - removing) / n;
    auto pairUs = micros(pairsDone - pairs) / (n / 2);
    std::cout << "[ cost     ] ip+ip6, one port per call: add " << addUs << " us, remove "
              << removeUs << " us; per RTP/RTCP pair add+remove " << pairUs << " us\n";
    RecordProperty("add_us_per_port", static_cast<int>(addUs));
    RecordProperty("remove_us_per_port", static_cast<int>(removeUs));
    RecordProperty("pair_add_remove_us", static_cast<int>(pairUs));
    // Generous: a regression to a full ruleset dump per call would be far above this.
    EXPECT_LT(addUs + removeUs, 20000);
}

}  // namespace
}  // namespace rtprelay::kernel::test
