// Peer delivery (bpf_redirect_peer) through the real daemon, between network namespaces
// created (and deleted) by the test:
//
//   caller (A)                  proxy (P): rtprelayd                       callee (B)
//   eth0 10.213.1.2 ---veth--- va 10.213.1.1 (a)   vb 10.213.2.1 (b) ---veth--- eth0 10.213.2.2
//
// The daemon kernelizes a call across its two interfaces; both entries leave through a veth
// whose peer is in another namespace, so they are in peer mode. The callee captures the
// frames (AF_PACKET) to see the MACs the program wrote, since the peer's ingress delivers
// them whatever their destination MAC says. Then the callee's MAC changes, and its neighbour
// entry goes away: the daemon's neighbour check follows within its interval. Needs root.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include <regex>

#include "kernel/MacAddress.h"
#include "protocol/HttpClient.h"
#include "unit/kernel/KernelDaemonFixture.h"

namespace rtprelay::kernel {
namespace {

using test::NetworkNamespace;
using Inside = NetworkNamespace::Inside;

constexpr const char* kCaller = "10.213.1.2";
constexpr const char* kProxyA = "10.213.1.1";
constexpr const char* kProxyB = "10.213.2.1";
constexpr const char* kCallee = "10.213.2.2";

std::string sdpAt(const std::string& address, uint16_t port) {
    return "v=0\r\no=- 1 1 IN IP4 " + address + "\r\ns=-\r\nc=IN IP4 " + address +
           "\r\nt=0 0\r\nm=audio " + std::to_string(port) + " RTP/AVP 0\r\n";
}

MacAddress macOf(const NetworkNamespace& ns, const std::string& device) {
    Inside inside(ns);
    MacAddress mac{};
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq request{};
    std::strncpy(request.ifr_name, device.c_str(), IFNAMSIZ - 1);
    EXPECT_EQ(ioctl(fd, SIOCGIFHWADDR, &request), 0) << std::strerror(errno);
    std::memcpy(mac.data(), request.ifr_hwaddr.sa_data, mac.size());
    close(fd);
    return mac;
}

// Every frame arriving on `device` of the namespace it is made in, until destroyed.
class FrameCapture {
public:
    explicit FrameCapture(const std::string& device) {
        fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
        EXPECT_GE(fd_, 0) << std::strerror(errno);
        sockaddr_ll link{};
        link.sll_family = AF_PACKET;
        link.sll_protocol = htons(ETH_P_ALL);
        link.sll_ifindex = static_cast<int>(if_nametoindex(device.c_str()));
        EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&link), sizeof(link)), 0)
            << std::strerror(errno);
        timeval timeout{0, 100000};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    }
    ~FrameCapture() { close(fd_); }
    FrameCapture(const FrameCapture&) = delete;
    FrameCapture& operator=(const FrameCapture&) = delete;

    // The Ethernet header of the next incoming IPv4 UDP frame to `to`, within `timeout`.
    std::optional<std::pair<MacAddress, MacAddress>> nextTo(const net::Endpoint& to,
                                                            std::chrono::milliseconds timeout) {
        auto until = std::chrono::steady_clock::now() + timeout;
        uint8_t frame[2048];
        while (std::chrono::steady_clock::now() < until) {
            sockaddr_ll from{};
            socklen_t length = sizeof(from);
            ssize_t n =
                recvfrom(fd_, frame, sizeof(frame), 0, reinterpret_cast<sockaddr*>(&from), &length);
            if (n < 14 + 20 + 8 || from.sll_pkttype == PACKET_OUTGOING) {
                continue;
            }
            const uint8_t* ip = frame + 14;
            if (frame[12] != 0x08 || frame[13] != 0x00 || ip[0] != 0x45 || ip[9] != 17) {
                continue;
            }
            uint16_t port = static_cast<uint16_t>(ip[22] << 8 | ip[23]);
            if (std::memcmp(ip + 16, to.address().bytes().data(), 4) != 0 || port != to.port()) {
                continue;
            }
            std::pair<MacAddress, MacAddress> header;  // destination, source
            std::memcpy(header.first.data(), frame, 6);
            std::memcpy(header.second.data(), frame + 6, 6);
            return header;
        }
        return std::nullopt;
    }

private:
    int fd_ = -1;
};

class KernelRedirectPeerTest : public ::testing::Test, protected KernelDaemonClient {
protected:
    void SetUp() override {
        ASSERT_EQ(geteuid(), 0u) << "needs root (network namespaces, eBPF)";
        struct statfs fs {};
        if (statfs("/sys/fs/bpf", &fs) != 0 || fs.f_type != BPF_FS_MAGIC) {
            ASSERT_EQ(mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"), 0)
                << std::strerror(errno);
        }
        mkdir(kPinRoot, 0700);
        for (int t = 63; t >= 0 && table_ < 0; --t) {
            if (mkdir((std::string(kPinRoot) + "/" + std::to_string(t)).c_str(), 0700) == 0) {
                table_ = t;
            }
        }
        ASSERT_GE(table_, 0) << "no free kernel table under " << kPinRoot;

        caller_ = std::make_unique<NetworkNamespace>("rtpp-a");
        proxy_ = std::make_unique<NetworkNamespace>("rtpp-p");
        callee_ = std::make_unique<NetworkNamespace>("rtpp-b");
        proxy_->ip("link add va type veth peer name eth0 netns " + caller_->name());
        proxy_->ip("link add vb type veth peer name eth0 netns " + callee_->name());
        proxy_->ip("link set lo up");
        proxy_->ip("link set va up");
        proxy_->ip("link set vb up");
        caller_->ip("link set eth0 up");
        callee_->ip("link set eth0 up");
        caller_->ip(std::string("addr add ") + kCaller + "/24 dev eth0");
        proxy_->ip(std::string("addr add ") + kProxyA + "/24 dev va");
        proxy_->ip(std::string("addr add ") + kProxyB + "/24 dev vb");
        callee_->ip(std::string("addr add ") + kCallee + "/24 dev eth0");
    }

    void TearDown() override {
        client_.reset();
        daemon_.reset();
        if (table_ >= 0) {
            test::shellOutput("rm -rf " + std::string(kPinRoot) + "/" + std::to_string(table_));
        }
        caller_.reset();
        proxy_.reset();
        callee_.reset();
    }

    void start(const std::vector<std::string>& extra = {}) {
        Inside inside(*proxy_);  // the daemon forks from this thread: it lives in P
        ngPort_ = proto::freePort(SOCK_DGRAM);
        cliPort_ = proto::freePort(SOCK_STREAM);
        std::vector<std::string> args{"--config-file=none",
                                      "-f",
                                      "-E",
                                      "--no-log-timestamps",
                                      "--log-level=7",
                                      "-i",
                                      std::string("a/") + kProxyA,
                                      "-i",
                                      std::string("b/") + kProxyB,
                                      "-n",
                                      "127.0.0.1:" + std::to_string(ngPort_),
                                      "-m",
                                      std::to_string(kPortMin),
                                      "-M",
                                      std::to_string(kPortMax),
                                      "-t",
                                      std::to_string(table_),
                                      "--kernel-table-size=64",
                                      "--kernel-neighbour-interval=1",
                                      "--listen-cli=127.0.0.1:" + std::to_string(cliPort_),
                                      "--delete-delay=0"};
        args.insert(args.end(), extra.begin(), extra.end());
        launch(args);  // inside P: the ng client's socket too
    }

    int64_t peerEntries() { return intAt(kernelStatistics(), "redirect peer entries"); }

    // Both peers in P's neighbour table before the call, so that both entries are peer mode
    // from the start (otherwise that depends on whether the relay's first packet has been
    // answered).
    void knowBothNeighbours() {
        proxy_->ip(std::string("neigh replace ") + kCaller + " lladdr " +
                   macText(macOf(*caller_, "eth0")) + " dev va nud reachable");
        proxy_->ip(std::string("neigh replace ") + kCallee + " lladdr " +
                   macText(macOf(*callee_, "eth0")) + " dev vb nud reachable");
    }

    // A CLI command (rtprelay-ctl's protocol) to the daemon in P.
    std::string cli(const std::string& command) {
        Inside inside(*proxy_);
        return proto::tcpExchange(cliPort_, command + "\n").value_or("<no answer>");
    }

    // Offer from the caller on `a`, answer from the callee on `b`.
    void call() {
        {
            Inside inside(*caller_);
            caller_peer_ = std::make_unique<proto::MediaPeer>(kCaller);
        }
        {
            Inside inside(*callee_);
            callee_peer_ = std::make_unique<proto::MediaPeer>(kCallee);
        }
        Value o = command("offer");
        o.set("call-id", "peer-1");
        o.set("from-tag", "a");
        o.set("sdp", sdpAt(kCaller, caller_peer_->port()));
        Value direction = Value::list();
        direction.push("a");
        direction.push("b");
        o.set("direction", direction);
        // The offer's answer goes to the callee: the port on `b` it sends to; the answer's
        // goes to the caller: the port on `a`.
        toCaller_ = net::Endpoint(*net::IpAddress::parse(kProxyB), mediaPort(request(o)));
        Value a = command("answer");
        a.set("call-id", "peer-1");
        a.set("from-tag", "a");
        a.set("to-tag", "b");
        a.set("sdp", sdpAt(kCallee, callee_peer_->port()));
        toCallee_ = net::Endpoint(*net::IpAddress::parse(kProxyA), mediaPort(request(a)));
        ASSERT_NE(toCallee_.port(), 0);
        ASSERT_NE(toCaller_.port(), 0);
    }

    void sendBothWays(uint16_t seq) {
        caller_peer_->send(toCallee_, proto::rtpPacket(seq, 0x1111, 'a'));
        callee_peer_->send(toCaller_, proto::rtpPacket(seq, 0x2222, 'b'));
    }

    // Sends media both ways every 10 ms until `done` (bounded by `timeout`).
    template <typename Done>
    bool mediaUntil(Done done, std::chrono::milliseconds timeout) {
        auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            sendBothWays(seq_++);
            if (done()) {
                return true;
            }
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }

    // The MACs of the next frame the callee gets from the caller through the relay.
    std::optional<std::pair<MacAddress, MacAddress>> frameAtCallee() {
        Inside inside(*callee_);
        FrameCapture capture("eth0");
        caller_peer_->send(toCallee_, proto::rtpPacket(seq_++, 0x1111, 'a'));
        return capture.nextTo(callee_peer_->endpoint(), 1000ms);
    }

    int table_ = -1;
    uint16_t cliPort_ = 0;
    uint16_t seq_ = 0;
    std::unique_ptr<NetworkNamespace> caller_;
    std::unique_ptr<NetworkNamespace> proxy_;
    std::unique_ptr<NetworkNamespace> callee_;
    std::unique_ptr<proto::MediaPeer> caller_peer_;
    std::unique_ptr<proto::MediaPeer> callee_peer_;
    net::Endpoint toCallee_;
    net::Endpoint toCaller_;
};

TEST_F(KernelRedirectPeerTest, VethEntriesDeliverIntoThePeerWithTheRightMacsAndFollowChanges) {
    knowBothNeighbours();
    start();
    call();
    Value status = kernelStatistics();
    ASSERT_EQ(status.find("ebpf") ? status.find("ebpf")->str() : "", "attached") << daemon_->log();
    EXPECT_EQ(status.find("redirect peer") ? status.find("redirect peer")->str() : "", "on");
    // Both streams kernelized in peer mode (the userspace relay resolved both neighbours).
    ASSERT_TRUE(mediaUntil([&] { return peerEntries() == 2; }, 5s)) << daemon_->log();
    EXPECT_EQ(occurrences(daemon_->log(), "(redirect peer)"), 2u) << daemon_->log();
    callee_peer_->drain(100ms);

    const MacAddress vb = macOf(*proxy_, "vb");
    const MacAddress callee = macOf(*callee_, "eth0");
    // The operator's view: each entry's mode, and the count in the totals.
    std::string table = cli("list kernel");
    EXPECT_EQ(occurrences(table, "| redirect peer "), 2u) << table;
    EXPECT_NE(table.find("| redirect peer " + macText(vb) + " > " + macText(callee) + " |"),
              std::string::npos)
        << table;
    std::string totals = cli("list totals");
    std::smatch peers;
    EXPECT_TRUE(std::regex_search(
        totals, peers, std::regex(" Kernel entries delivered to a veth peer +:([0-9]+)\n")))
        << totals;
    EXPECT_EQ(peers.size() > 1 ? peers[1].str() : "", "2") << totals;
    // The per-second rates come from the kernel table's counters.
    auto kernelRate = [&] {
        std::string text = cli("list totals");
        std::smatch rate;
        return std::regex_search(text, rate,
                                 std::regex(" Packets per second \\(kernel\\) +:([0-9]+)\n")) &&
               std::stoul(rate[1].str()) > 0;
    };
    EXPECT_TRUE(mediaUntil(kernelRate, 4s)) << cli("list totals");
    auto header = frameAtCallee();
    ASSERT_TRUE(header) << daemon_->log();
    EXPECT_EQ(macText(header->first), macText(callee));
    EXPECT_EQ(macText(header->second), macText(vb));
    EXPECT_FALSE(callee_peer_->drain(300ms).empty());

    // The callee gets a new MAC and the proxy learns it: the entry follows within the
    // neighbour interval (1 s here).
    const MacAddress renewed{0x02, 0x13, 0x37, 0x00, 0x00, 0x02};
    callee_->ip("link set eth0 address " + macText(renewed));
    proxy_->ip(std::string("neigh replace ") + kCallee + " lladdr " + macText(renewed) +
               " dev vb nud reachable");
    bool followed = false;
    for (int i = 0; i < 50 && !followed; ++i) {  // up to ~5 s
        auto seen = frameAtCallee();
        followed = seen && seen->first == renewed;
        if (!followed) {
            std::this_thread::sleep_for(100ms);
        }
    }
    EXPECT_TRUE(followed) << daemon_->log();
    EXPECT_EQ(peerEntries(), 2);
    // One line per change, at info or (rate-limited) debug.
    EXPECT_TRUE(daemon_->waitForLog("next hop 10.213.2.2 at 02:13:37:00:00:02", 2s))
        << daemon_->log();
    callee_peer_->drain(100ms);
    caller_peer_->send(toCallee_, proto::rtpPacket(seq_++, 0x1111, 'a'));
    EXPECT_EQ(callee_peer_->drain(300ms).size(), 1u);

    // Without a neighbour entry the caller's stream goes back to bpf_redirect_neigh (no
    // media meanwhile, so nothing resolves it again) ...
    proxy_->ip(std::string("neigh del ") + kCallee + " dev vb");
    bool demoted = false;
    for (int i = 0; i < 50 && !demoted; ++i) {
        demoted = peerEntries() == 1;
        if (!demoted) {
            std::this_thread::sleep_for(100ms);
        }
    }
    EXPECT_TRUE(demoted) << daemon_->log();
    // ... which resolves the neighbour with the next packet, and the next check makes it a
    // peer-mode entry again.
    ASSERT_TRUE(mediaUntil([&] { return peerEntries() == 2; }, 5s)) << daemon_->log();
    auto again = frameAtCallee();
    ASSERT_TRUE(again);
    EXPECT_EQ(again->first, renewed);
    EXPECT_EQ(again->second, vb);
}

TEST_F(KernelRedirectPeerTest, ARouteThroughAnotherGatewayOnTheSameDeviceChangesTheNextHop) {
    knowBothNeighbours();
    start();
    call();
    ASSERT_TRUE(mediaUntil([&] { return peerEntries() == 2; }, 5s)) << daemon_->log();
    const std::string towardsCallee = "| redirect peer " + macText(macOf(*proxy_, "vb")) + " > ";
    const std::string calleeMac = macText(macOf(*callee_, "eth0"));
    auto listed = [&](const std::string& mac) {
        return cli("list kernel").find(towardsCallee + mac + " |") != std::string::npos;
    };
    ASSERT_TRUE(listed(calleeMac)) << cli("list kernel");

    // A host route to the callee through a gateway on the same veth: the entry takes the
    // gateway's MAC at the next check (interval 1 s here).
    const std::string gatewayMac = "02:00:00:00:00:03";
    proxy_->ip("neigh replace 10.213.2.3 lladdr " + gatewayMac + " dev vb nud permanent");
    proxy_->ip(std::string("route add ") + kCallee + "/32 via 10.213.2.3 dev vb");
    EXPECT_TRUE(mediaUntil([&] { return listed(gatewayMac); }, 5s))
        << cli("list kernel") << daemon_->log();

    // The route gone: the callee itself is the next hop again.
    proxy_->ip(std::string("route del ") + kCallee + "/32");
    EXPECT_TRUE(mediaUntil([&] { return listed(calleeMac); }, 5s))
        << cli("list kernel") << daemon_->log();
    EXPECT_EQ(peerEntries(), 2);
}

TEST_F(KernelRedirectPeerTest, OffKeepsEveryEntryInNeighMode) {
    start({"--no-kernel-redirect-peer"});
    call();
    Value status = kernelStatistics();
    EXPECT_EQ(status.find("redirect peer") ? status.find("redirect peer")->str() : "", "off");
    ASSERT_TRUE(mediaUntil([&] { return intAt(kernelStatistics(), "entries") == 2; }, 5s))
        << daemon_->log();
    EXPECT_EQ(peerEntries(), 0);
    callee_peer_->drain(100ms);
    // bpf_redirect_neigh writes the MACs in neigh mode.
    auto header = frameAtCallee();
    ASSERT_TRUE(header) << daemon_->log();
    EXPECT_EQ(header->first, macOf(*callee_, "eth0"));
    EXPECT_EQ(header->second, macOf(*proxy_, "vb"));
    EXPECT_NE(daemon_->log().find("redirect neigh: kernel-redirect-peer is off"), std::string::npos)
        << daemon_->log();
}

}  // namespace
}  // namespace rtprelay::kernel
