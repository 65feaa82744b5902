// Real traffic through the attached program between network namespaces created (and
// deleted) by the tests:
//
//   caller (A)                      proxy (P)                            callee (B)
//   eth0 10.210.1.2 ------veth----- va 10.210.1.1  vb 10.210.2.1 -----veth----- eth0 10.210.2.2
//        fd00:210:1::2                 fd00:210:1::1  fd00:210:2::1                fd00:210:2::2
//
// The program is attached to va and vb; the proxy namespace also holds the relay's UDP
// sockets, which must stay silent while the kernel forwards. Needs root.
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <tuple>

#include "kernel/BpfForwarder.h"
#include "kernel/RouteLookup.h"
#include "unit/kernel/KernelTestSupport.h"
#include "unit/kernel/PacketBuilder.h"

namespace rtprelay::kernel {
namespace {

using test::NetworkNamespace;
using test::PacketBuilder;
using test::UdpSocket;
using Inside = NetworkNamespace::Inside;

constexpr int kReceiveTimeoutMs = 2000;

net::Endpoint ep(const std::string& address, uint16_t port) {
    return {*net::IpAddress::parse(address), port};
}

std::vector<uint8_t> rtpPayload(uint8_t pt, uint16_t sequence, size_t size = 172) {
    std::vector<uint8_t> payload(size);
    payload[0] = 0x80;
    payload[1] = pt;
    payload[2] = static_cast<uint8_t>(sequence >> 8);
    payload[3] = static_cast<uint8_t>(sequence);
    for (size_t i = 12; i < size; ++i) {
        payload[i] = static_cast<uint8_t>(sequence + i);
    }
    return payload;
}

// UDP checksum errors seen by the namespace of the calling thread (/proc/net/snmp).
long udpChecksumErrors() {
    std::ifstream snmp("/proc/net/snmp");
    std::string header;
    std::string values;
    while (std::getline(snmp, header) && std::getline(snmp, values)) {
        if (header.rfind("Udp:", 0) != 0) {
            continue;
        }
        std::istringstream names(header);
        std::istringstream numbers(values);
        std::string name;
        std::string number;
        while (names >> name && numbers >> number) {
            if (name == "InCsumErrors") {
                return std::stol(number);
            }
        }
    }
    return -1;
}

std::unique_ptr<UdpSocket> socketIn(const NetworkNamespace& ns, const net::Endpoint& local) {
    Inside inside(ns);
    return std::make_unique<UdpSocket>(local);
}

bool nothingWaiting(const UdpSocket& socket) {
    std::vector<uint8_t> payload;
    net::Endpoint source;
    return !socket.receive(payload, source, 0);
}

struct Addresses {
    std::string caller;   // A
    std::string caller2;  // A's second address, for the hairpin
    std::string proxyA;   // P on va
    std::string proxyB;   // P on vb
    std::string callee;   // B
    std::string prefix;   // "/24" or "/64 nodad"
};

const Addresses kIpv4{"10.210.1.2", "10.210.1.3", "10.210.1.1", "10.210.2.1", "10.210.2.2", "/24"};
const Addresses kIpv6{"fd00:210:1::2", "fd00:210:1::3", "fd00:210:1::1",
                      "fd00:210:2::1", "fd00:210:2::2", "/64 nodad"};

class NetnsForwardingTest : public ::testing::TestWithParam<std::tuple<bool, AttachMode>> {
protected:
    void SetUp() override {
        ASSERT_EQ(geteuid(), 0u) << "network namespaces and BPF need root";
        const Addresses& a = addresses();
        caller_ = std::make_unique<NetworkNamespace>("rtpk-a");
        proxy_ = std::make_unique<NetworkNamespace>("rtpk-p");
        callee_ = std::make_unique<NetworkNamespace>("rtpk-b");
        proxy_->ip("link add va type veth peer name eth0 netns " + caller_->name());
        proxy_->ip("link add vb type veth peer name eth0 netns " + callee_->name());
        for (const char* dev : {"va", "vb"}) {
            proxy_->ip(std::string("link set ") + dev + " up");
        }
        caller_->ip("link set eth0 up");
        callee_->ip("link set eth0 up");
        caller_->ip("addr add " + a.caller + a.prefix + " dev eth0");
        caller_->ip("addr add " + a.caller2 + a.prefix + " dev eth0");
        proxy_->ip("addr add " + a.proxyA + a.prefix + " dev va");
        proxy_->ip("addr add " + a.proxyB + a.prefix + " dev vb");
        callee_->ip("addr add " + a.callee + a.prefix + " dev eth0");

        BpfForwarder::Options options;
        options.pinRoot = pinRoot_.path();
        options.capacity = 64;
        forwarder_ = std::make_unique<BpfForwarder>(0, options);
        Inside inside(*proxy_);
        va_ = static_cast<int>(if_nametoindex("va"));
        vb_ = static_cast<int>(if_nametoindex("vb"));
        ASSERT_GT(va_, 0);
        ASSERT_GT(vb_, 0);
        EXPECT_EQ(forwarder_->attach(va_, mode()), mode());
        EXPECT_EQ(forwarder_->attach(vb_, mode()), mode());
    }

    void TearDown() override {
        if (forwarder_ && proxy_) {
            Inside inside(*proxy_);
            forwarder_->destroy();
        }
        forwarder_.reset();
        caller_.reset();
        proxy_.reset();
        callee_.reset();
    }

    const Addresses& addresses() const { return std::get<0>(GetParam()) ? kIpv6 : kIpv4; }
    AttachMode mode() const { return std::get<1>(GetParam()); }

    // Caller -> proxyA:30000 => proxyB:30002 -> callee:5004, and back.
    ForwardingRule callerToCallee() const {
        const Addresses& a = addresses();
        ForwardingRule rule;
        rule.local = ep(a.proxyA, 30000);
        rule.expectedSource = ep(a.caller, 4000);
        rule.sourcePolicy = SourcePolicy::drop;
        rule.outSource = ep(a.proxyB, 30002);
        rule.outDestination = ep(a.callee, 5004);
        rule.outIfindex = outputInterface(rule);
        rule.tos = 0xB8;
        rule.payloadTypes.set(0);
        return rule;
    }

    ForwardingRule calleeToCaller() const {
        const Addresses& a = addresses();
        ForwardingRule rule;
        rule.local = ep(a.proxyB, 30002);
        rule.outSource = ep(a.proxyA, 30000);
        rule.outDestination = ep(a.caller, 4000);
        rule.outIfindex = outputInterface(rule);
        rule.payloadTypes.set(0);
        return rule;
    }

    int outputInterface(const ForwardingRule& rule) const {
        Inside inside(*proxy_);
        auto ifindex =
            RouteLookup::outputInterface(rule.outSource.address(), rule.outDestination.address());
        EXPECT_TRUE(ifindex) << ifindex.error();
        return ifindex ? *ifindex : 0;
    }

    uint32_t install(const ForwardingRule& rule) {
        auto slot = forwarder_->upsert(rule);
        EXPECT_TRUE(slot) << slot.error();
        return slot ? *slot : 0;
    }

    test::PinRoot pinRoot_;
    std::unique_ptr<NetworkNamespace> caller_;
    std::unique_ptr<NetworkNamespace> proxy_;
    std::unique_ptr<NetworkNamespace> callee_;
    std::unique_ptr<BpfForwarder> forwarder_;
    int va_ = 0;
    int vb_ = 0;
};

TEST_P(NetnsForwardingTest, ForwardsBothWaysInTheKernelWhileTheRelaySocketsStaySilent) {
    const Addresses& a = addresses();
    ForwardingRule there = callerToCallee();
    ForwardingRule back = calleeToCaller();
    EXPECT_EQ(there.outIfindex, vb_);
    EXPECT_EQ(back.outIfindex, va_);
    uint32_t thereSlot = install(there);
    uint32_t backSlot = install(back);

    auto caller = socketIn(*caller_, ep(a.caller, 4000));
    auto callee = socketIn(*callee_, ep(a.callee, 5004));
    auto relayA = socketIn(*proxy_, ep(a.proxyA, 30000));
    auto relayB = socketIn(*proxy_, ep(a.proxyB, 30002));

    constexpr int kPackets = 20;
    for (uint16_t seq = 0; seq < kPackets; ++seq) {
        caller->sendTo(ep(a.proxyA, 30000), rtpPayload(0, seq));
        std::vector<uint8_t> payload;
        net::Endpoint source;
        ASSERT_TRUE(callee->receive(payload, source, kReceiveTimeoutMs)) << "packet " << seq;
        EXPECT_EQ(source, ep(a.proxyB, 30002));
        EXPECT_EQ(payload, rtpPayload(0, seq));

        callee->sendTo(ep(a.proxyB, 30002), rtpPayload(0, 1000 + seq));
        ASSERT_TRUE(caller->receive(payload, source, kReceiveTimeoutMs)) << "reply " << seq;
        EXPECT_EQ(source, ep(a.proxyA, 30000));
        EXPECT_EQ(payload, rtpPayload(0, 1000 + seq));
    }
    EXPECT_TRUE(nothingWaiting(*relayA));
    EXPECT_TRUE(nothingWaiting(*relayB));

    auto stats = forwarder_->readStats(thereSlot);
    ASSERT_TRUE(stats) << stats.error();
    EXPECT_EQ(stats->packets, uint64_t{kPackets});
    EXPECT_EQ(stats->bytes, uint64_t{kPackets} * 172);
    EXPECT_GT(stats->lastPacketUs, 0);
    EXPECT_EQ(forwarder_->readStats(backSlot)->packets, uint64_t{kPackets});

    // telephone-event is not in the set: the relay's socket gets it, the callee does not.
    caller->sendTo(ep(a.proxyA, 30000), rtpPayload(101, 77, 16));
    std::vector<uint8_t> payload;
    net::Endpoint source;
    ASSERT_TRUE(relayA->receive(payload, source, kReceiveTimeoutMs));
    EXPECT_EQ(source, ep(a.caller, 4000));
    EXPECT_EQ(payload, rtpPayload(101, 77, 16));
    EXPECT_TRUE(nothingWaiting(*callee));

    // Strict source: another port of the caller is dropped in the kernel.
    auto stranger = socketIn(*caller_, ep(a.caller, 4001));
    stranger->sendTo(ep(a.proxyA, 30000), rtpPayload(0, 99));
    EXPECT_FALSE(callee->receive(payload, source, 200));
    EXPECT_TRUE(nothingWaiting(*relayA));
    EXPECT_EQ(forwarder_->readStats(thereSlot)->errors, 1u);

    // Without the entry, userspace has the stream again at once.
    ASSERT_TRUE(*forwarder_->erase(there.local));
    caller->sendTo(ep(a.proxyA, 30000), rtpPayload(0, 500));
    ASSERT_TRUE(relayA->receive(payload, source, kReceiveTimeoutMs));
    EXPECT_EQ(payload, rtpPayload(0, 500));
    EXPECT_TRUE(nothingWaiting(*callee));
}

TEST_P(NetnsForwardingTest, KeepsForwardingWhileNoProcessHoldsTheTable) {
    const Addresses& a = addresses();
    install(callerToCallee());
    auto caller = socketIn(*caller_, ep(a.caller, 4000));
    auto callee = socketIn(*callee_, ep(a.callee, 5004));
    auto relayA = socketIn(*proxy_, ep(a.proxyA, 30000));

    forwarder_.reset();  // the daemon is gone (restart, crash): only pins hold the table
    std::vector<uint8_t> payload;
    net::Endpoint source;
    for (uint16_t seq = 0; seq < 5; ++seq) {
        caller->sendTo(ep(a.proxyA, 30000), rtpPayload(0, seq));
        ASSERT_TRUE(callee->receive(payload, source, kReceiveTimeoutMs)) << "packet " << seq;
        EXPECT_EQ(source, ep(a.proxyB, 30002));
    }
    EXPECT_TRUE(nothingWaiting(*relayA));

    // The next daemon re-adopts the table and moves the links to its program.
    BpfForwarder::Options options;
    options.pinRoot = pinRoot_.path();
    options.capacity = 64;
    forwarder_ = std::make_unique<BpfForwarder>(0, options);
    EXPECT_EQ(forwarder_->origin(), BpfForwarder::Origin::adopted);
    {
        Inside inside(*proxy_);
        EXPECT_EQ(forwarder_->attach(va_), mode());
        EXPECT_EQ(forwarder_->attach(vb_), mode());
    }
    caller->sendTo(ep(a.proxyA, 30000), rtpPayload(0, 6));
    ASSERT_TRUE(callee->receive(payload, source, kReceiveTimeoutMs));
    auto entries = forwarder_->entries();
    ASSERT_TRUE(entries);
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_EQ(forwarder_->readStats(entries->front().statsSlot)->packets, 6u);

    // A clean stop removes everything: packets go to the relay's socket again.
    {
        Inside inside(*proxy_);
        forwarder_->destroy();
    }
    forwarder_.reset();
    caller->sendTo(ep(a.proxyA, 30000), rtpPayload(0, 7));
    ASSERT_TRUE(relayA->receive(payload, source, kReceiveTimeoutMs));
    EXPECT_TRUE(nothingWaiting(*callee));
}

TEST_P(NetnsForwardingTest, HairpinsBackOutOfTheDeviceItCameIn) {
    const Addresses& a = addresses();
    ForwardingRule rule;
    rule.local = ep(a.proxyA, 30000);
    rule.outSource = ep(a.proxyA, 30002);
    rule.outDestination = ep(a.caller2, 6000);
    rule.outIfindex = outputInterface(rule);
    rule.payloadTypes.set(0);
    EXPECT_EQ(rule.outIfindex, va_);
    install(rule);

    auto caller = socketIn(*caller_, ep(a.caller, 4000));
    auto otherParty = socketIn(*caller_, ep(a.caller2, 6000));
    auto relayA = socketIn(*proxy_, ep(a.proxyA, 30000));
    caller->sendTo(ep(a.proxyA, 30000), rtpPayload(0, 1));
    std::vector<uint8_t> payload;
    net::Endpoint source;
    ASSERT_TRUE(otherParty->receive(payload, source, kReceiveTimeoutMs));
    EXPECT_EQ(source, ep(a.proxyA, 30002));
    EXPECT_EQ(payload, rtpPayload(0, 1));
    EXPECT_TRUE(nothingWaiting(*relayA));
}

// Frames sent through a packet socket carry a complete UDP checksum (no offload), which the
// callee's stack verifies: a wrong incremental update would be dropped and counted there.
TEST_P(NetnsForwardingTest, ChecksumsSurviveVerificationByTheReceiver) {
    const Addresses& a = addresses();
    install(callerToCallee());
    auto callee = socketIn(*callee_, ep(a.callee, 5004));

    std::array<uint8_t, 6> proxyMac{};
    {
        Inside inside(*proxy_);
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ifreq request{};
        std::strncpy(request.ifr_name, "va", IFNAMSIZ - 1);
        ASSERT_EQ(ioctl(fd, SIOCGIFHWADDR, &request), 0);
        std::memcpy(proxyMac.data(), request.ifr_hwaddr.sa_data, 6);
        close(fd);
    }
    auto frameWith = [&](bool corrupt) {
        auto frame = PacketBuilder().from(a.caller, 4000).to(a.proxyA, 30000).rtp(0, 172).build();
        std::copy(proxyMac.begin(), proxyMac.end(), frame.begin());
        if (corrupt) {
            frame.back() ^= 0x5A;  // payload changed after the checksum was computed
        }
        return frame;
    };
    long errorsBefore = 0;
    {
        Inside inside(*callee_);
        errorsBefore = udpChecksumErrors();
    }
    {
        Inside inside(*caller_);
        int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        ASSERT_GE(fd, 0);
        sockaddr_ll link{};
        link.sll_family = AF_PACKET;
        link.sll_ifindex = static_cast<int>(if_nametoindex("eth0"));
        link.sll_halen = 6;
        std::copy(proxyMac.begin(), proxyMac.end(), link.sll_addr);
        for (bool corrupt : {true, false}) {
            auto frame = frameWith(corrupt);
            ASSERT_EQ(sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&link),
                             sizeof(link)),
                      static_cast<ssize_t>(frame.size()));
        }
        close(fd);
    }
    std::vector<uint8_t> payload;
    net::Endpoint source;
    ASSERT_TRUE(callee->receive(payload, source, kReceiveTimeoutMs));
    EXPECT_EQ(payload, test::ParsedFrame::parse(frameWith(false))->payload);
    EXPECT_EQ(source, ep(a.proxyB, 30002));
    EXPECT_TRUE(nothingWaiting(*callee)) << "the corrupted frame was not rejected";
    Inside inside(*callee_);
    EXPECT_EQ(udpChecksumErrors(), errorsBefore + 1);
}

// tcx is what kernels >= 6.6 get; classic clsact filters are the fallback for older ones
// (Debian 12's own 6.1), forced here.
INSTANTIATE_TEST_SUITE_P(FamiliesAndModes, NetnsForwardingTest,
                         ::testing::Combine(::testing::Values(false, true),
                                            ::testing::Values(AttachMode::tcx,
                                                              AttachMode::classic)),
                         [](const ::testing::TestParamInfo<std::tuple<bool, AttachMode>>& info) {
                             return std::string(std::get<0>(info.param) ? "Ipv6" : "Ipv4") +
                                    (std::get<1>(info.param) == AttachMode::tcx ? "Tcx"
                                                                                : "Classic");
                         });

// Both legs on the loopback device (media on 127.0.0.1 as in the bundled default config):
// local traffic enters the stack through lo's ingress, the program redirects it to lo's
// egress, and it comes round through lo's ingress again (a miss there) to the peer's socket.
class LoopbackForwardingTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LoopbackForwardingTest, ForwardsBetweenLocalSockets) {
    ASSERT_EQ(geteuid(), 0u) << "network namespaces and BPF need root";
    const std::string loopback = GetParam();
    test::PinRoot pinRoot;
    NetworkNamespace ns("rtpk-lo");
    Inside inside(ns);
    BpfForwarder::Options options;
    options.pinRoot = pinRoot.path();
    options.capacity = 16;
    BpfForwarder forwarder(0, options);
    EXPECT_EQ(forwarder.attach(1), AttachMode::tcx);

    ForwardingRule rule;
    rule.local = ep(loopback, 30000);
    rule.outSource = ep(loopback, 30002);
    rule.outDestination = ep(loopback, 5004);
    auto ifindex =
        RouteLookup::outputInterface(rule.outSource.address(), rule.outDestination.address());
    ASSERT_TRUE(ifindex) << ifindex.error();
    EXPECT_EQ(*ifindex, 1);
    rule.outIfindex = *ifindex;
    rule.payloadTypes.set(0);
    auto slot = forwarder.upsert(rule);
    ASSERT_TRUE(slot) << slot.error();

    UdpSocket caller(ep(loopback, 4000));
    UdpSocket callee(ep(loopback, 5004));
    UdpSocket relay(ep(loopback, 30000));
    for (uint16_t seq = 0; seq < 5; ++seq) {
        caller.sendTo(ep(loopback, 30000), rtpPayload(0, seq));
        std::vector<uint8_t> payload;
        net::Endpoint source;
        ASSERT_TRUE(callee.receive(payload, source, kReceiveTimeoutMs)) << "packet " << seq;
        EXPECT_EQ(source, ep(loopback, 30002));
        EXPECT_EQ(payload, rtpPayload(0, seq));
    }
    EXPECT_TRUE(nothingWaiting(relay));
    EXPECT_EQ(forwarder.readStats(*slot)->packets, 5u);
    forwarder.destroy();
}

INSTANTIATE_TEST_SUITE_P(Families, LoopbackForwardingTest, ::testing::Values("127.0.0.1", "::1"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             return info.param == "::1" ? "Ipv6" : "Ipv4";
                         });

}  // namespace
}  // namespace rtprelay::kernel
