#include <gtest/gtest.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <cstddef>
#include <iterator>
#include <thread>

#include "protocol/MediaPeer.h"
#include "protocol/SignallingFixture.h"

namespace rtprelay::test {
namespace {

using control::bencode::Value;
using namespace std::chrono_literals;

std::string peerSdp(const MediaPeer& peer, const std::string& extra = "") {
    std::string a = peer.address().toString();
    std::string family = peer.address().isV4() ? "IP4" : "IP6";
    return "v=0\r\no=- 1 1 IN " + family + " " + a + "\r\ns=-\r\nc=IN " + family + " " + a +
           "\r\nt=0 0\r\nm=audio " + std::to_string(peer.port()) + " RTP/AVP 0 101\r\n" +
           "a=rtpmap:101 telephone-event/8000\r\n" + extra;
}

// An RTP socket and the RTCP socket on the next port, as an SDP without a=rtcp implies.
struct PeerPair {
    std::unique_ptr<MediaPeer> rtp;
    std::unique_ptr<MediaPeer> rtcp;
    explicit PeerPair(const std::string& address = "127.0.0.1") {
        for (int attempt = 0; attempt < 50 && !rtcp; ++attempt) {
            rtp = std::make_unique<MediaPeer>(address);
            try {
                rtcp = std::make_unique<MediaPeer>(address, rtp->port() + 1);
            } catch (const std::exception&) {
            }
        }
    }
};

// Every media test runs against both relay backends: io_uring (the default) and epoll.
class Media : public SignallingFixture, public ::testing::WithParamInterface<std::string> {
protected:
    void SetUp() override { startDaemon({"--delete-delay=0"}); }

    void startDaemon(std::vector<std::string> extra = {}) {
        bool uring = GetParam() == "io_uring";
        extra.push_back(uring ? "--io-uring" : "--no-io-uring");
        SignallingFixture::startDaemon(extra);
        if (HasFatalFailure()) {
            return;
        }
        // The start-up line names the backend the workers run.
        ASSERT_TRUE(daemon_->waitForLog(uring ? "(io_uring, " : "(epoll)", 2s)) << daemon_->log();
    }

    RelayPorts setUpCall(const std::string& callId, const MediaPeer& caller,
                         const MediaPeer& callee, Value offerExtra = Value::dict(),
                         const std::string& callerSdpExtra = "",
                         const std::string& calleeSdpExtra = "") {
        return SignallingFixture::setUpCall(callId, peerSdp(caller, callerSdpExtra),
                                            peerSdp(callee, calleeSdpExtra), "caller", "callee",
                                            offerExtra);
    }

    Value query(const std::string& callId) {
        auto q = command("query");
        q.set("call-id", callId);
        return request(q);
    }

    // Stream entry of a party's first media: 0 = RTP, 1 = RTCP.
    static const Value& stream(const Value& q, const std::string& tag, size_t index = 0) {
        return q.find("tags")->find(tag)->find("medias")->items().at(0).find("streams")->items().at(
            index);
    }

    static size_t countMarked(const std::vector<MediaPeer::Received>& got, uint8_t marker) {
        size_t n = 0;
        for (const auto& r : got) {
            n += r.data.size() > 12 && r.data[12] == marker;
        }
        return n;
    }
};

TEST_P(Media, RelaysRtpBothWaysFromTheAdvertisedPorts) {
    PeerPair caller, callee;
    auto ports = setUpCall("m-1", *caller.rtp, *callee.rtp);
    for (uint16_t i = 0; i < 50; ++i) {
        caller.rtp->send(ports.towardsCaller, rtpPacket(i, 0x1111, 0xA1));
        callee.rtp->send(ports.towardsCallee, rtpPacket(i, 0x2222, 0xB2));
        std::this_thread::sleep_for(1ms);
    }
    auto atCallee = callee.rtp->drain();
    auto atCaller = caller.rtp->drain();
    EXPECT_EQ(countMarked(atCallee, 0xA1), 50u);
    EXPECT_EQ(countMarked(atCaller, 0xB2), 50u);
    // Symmetric: media reaches each side from the port it sends to.
    for (const auto& r : atCallee) {
        EXPECT_EQ(r.from, ports.towardsCallee);
    }
    for (const auto& r : atCaller) {
        EXPECT_EQ(r.from, ports.towardsCaller);
    }
    Value q = query("m-1");
    const Value& s = stream(q, "caller");
    EXPECT_EQ(s.find("stats")->find("packets")->integer(), 50);
    EXPECT_EQ(s.find("stats")->find("bytes")->integer(), 50 * 172);
    EXPECT_GT(s.find("last packet")->integer(), 0);
    const auto& flags = s.find("flags")->items();
    EXPECT_NE(std::find(flags.begin(), flags.end(), Value("confirmed")), flags.end());
    EXPECT_EQ(q.find("totals")->find("RTP")->find("packets")->integer(), 100);
    EXPECT_TRUE(q.find("SSRC")->find(std::to_string(0x1111)));
    Value stats = request(command("statistics"));
    EXPECT_EQ(stats.find("statistics")->find("totalstatistics")->find("relayedpackets")->integer(),
              100);
}

TEST_P(Media, RtcpOnItsOwnPortAndMuxedIsForwardedAndParsed) {
    PeerPair caller, callee;
    auto ports = setUpCall("m-2", *caller.rtp, *callee.rtp);
    net::Endpoint callerRtcp(ports.towardsCaller.address(), ports.towardsCaller.port() + 1);
    caller.rtcp->send(callerRtcp, rtcpReceiverReport(0x1111, 0x2222, 64, 12, 80));
    auto got = callee.rtcp->drain();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].data[1], 201);
    EXPECT_EQ(got[0].from.port(), ports.towardsCallee.port() + 1);
    Value q = query("m-2");
    EXPECT_EQ(stream(q, "caller", 1).find("stats")->find("packets")->integer(), 1);

    // Both sides mux: RTCP travels on the RTP ports.
    PeerPair c2, d2;
    auto muxed =
        setUpCall("m-3", *c2.rtp, *d2.rtp, Value::dict(), "a=rtcp-mux\r\n", "a=rtcp-mux\r\n");
    c2.rtp->send(muxed.towardsCaller, rtcpReceiverReport(0x3333, 0x4444, 0, 0, 10));
    c2.rtp->send(muxed.towardsCaller, rtpPacket(1, 0x3333, 0xC3));
    auto both = d2.rtp->drain();
    ASSERT_EQ(both.size(), 2u);
    EXPECT_EQ(both[0].data[1], 201);
    EXPECT_EQ(both[0].from, muxed.towardsCallee);
}

TEST_P(Media, RtpBleedAttackerGetsNothingAndInjectsNothing) {
    PeerPair caller, callee;
    auto ports = setUpCall("bleed", *caller.rtp, *callee.rtp);
    // The real parties start talking: both endpoints are confirmed.
    for (uint16_t i = 0; i < 10; ++i) {
        caller.rtp->send(ports.towardsCaller, rtpPacket(i, 0x1111, 0xA1));
        callee.rtp->send(ports.towardsCallee, rtpPacket(i, 0x2222, 0xB2));
    }
    caller.rtp->drain(100ms);
    callee.rtp->drain(100ms);

    // The attacker sprays both relay ports from another address and port.
    MediaPeer attacker("127.0.0.5");
    for (uint16_t i = 0; i < 100; ++i) {
        attacker.send(ports.towardsCaller, rtpPacket(i, 0x6666, 0xEE));
        attacker.send(ports.towardsCallee, rtpPacket(i, 0x6666, 0xEE));
    }
    for (uint16_t i = 10; i < 60; ++i) {
        caller.rtp->send(ports.towardsCaller, rtpPacket(i, 0x1111, 0xA1));
        callee.rtp->send(ports.towardsCallee, rtpPacket(i, 0x2222, 0xB2));
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(attacker.drain(300ms).size(), 0u);
    auto atCallee = callee.rtp->drain();
    auto atCaller = caller.rtp->drain();
    EXPECT_EQ(countMarked(atCallee, 0xA1), 50u);
    EXPECT_EQ(countMarked(atCallee, 0xEE), 0u);
    EXPECT_EQ(countMarked(atCaller, 0xB2), 50u);
    EXPECT_EQ(countMarked(atCaller, 0xEE), 0u);
    Value q = query("bleed");
    EXPECT_EQ(stream(q, "caller").find("foreign source drops")->integer(), 100);
    EXPECT_EQ(stream(q, "callee").find("foreign source drops")->integer(), 100);
}

TEST_P(Media, HeuristicLearnsANattedSourceWithinTheFirstPackets) {
    PeerPair caller, callee;
    auto ports = setUpCall("nat", *caller.rtp, *callee.rtp);
    // The caller's packets come from another port than its SDP says (NAT).
    MediaPeer natted("127.0.0.1");
    for (uint16_t i = 0; i < 5; ++i) {
        natted.send(ports.towardsCaller, rtpPacket(i, 0x1111, 0xA1));
    }
    EXPECT_EQ(countMarked(callee.rtp->drain(), 0xA1), 5u);
    callee.rtp->send(ports.towardsCallee, rtpPacket(1, 0x2222, 0xB2));
    auto atNat = natted.drain();
    ASSERT_EQ(atNat.size(), 1u);
    EXPECT_EQ(caller.rtp->drain(100ms).size(), 0u);
    Value q = query("nat");
    EXPECT_EQ(stream(q, "caller").find("endpoint")->find("port")->integer(), natted.port());
    EXPECT_EQ(stream(q, "caller").find("advertised endpoint")->find("port")->integer(),
              caller.rtp->port());
}

class MediaLearning : public Media {
protected:
    void SetUp() override {}
};

TEST_P(MediaLearning, ImmediateTakesTheFirstSource) {
    startDaemon({"--endpoint-learning=immediate"});
    PeerPair caller, callee;
    auto ports = setUpCall("imm", *caller.rtp, *callee.rtp);
    MediaPeer natted("127.0.0.1");
    natted.send(ports.towardsCaller, rtpPacket(1, 0x1111, 0xA1));
    callee.rtp->drain(100ms);
    callee.rtp->send(ports.towardsCallee, rtpPacket(1, 0x2222, 0xB2));
    EXPECT_EQ(natted.drain().size(), 1u);
    // Later sources are refused.
    caller.rtp->send(ports.towardsCaller, rtpPacket(2, 0x1111, 0xA1));
    EXPECT_EQ(callee.rtp->drain().size(), 0u);
}

TEST_P(MediaLearning, OffSendsToTheSdpAddressWhateverTheSource) {
    startDaemon({"--endpoint-learning=off"});
    PeerPair caller, callee;
    auto ports = setUpCall("off", *caller.rtp, *callee.rtp);
    MediaPeer natted("127.0.0.1");
    for (uint16_t i = 0; i < 6; ++i) {
        natted.send(ports.towardsCaller, rtpPacket(i, 0x1111, 0xA1));
    }
    EXPECT_EQ(callee.rtp->drain().size(), 6u);
    callee.rtp->send(ports.towardsCallee, rtpPacket(1, 0x2222, 0xB2));
    EXPECT_EQ(caller.rtp->drain().size(), 1u);
    EXPECT_EQ(natted.drain(100ms).size(), 0u);
}

TEST_P(MediaLearning, DelayedWaitsForTheWindowBeforeFollowingTheSource) {
    startDaemon({"--endpoint-learning=delayed"});
    PeerPair caller, callee;
    auto ports = setUpCall("del", *caller.rtp, *callee.rtp);
    MediaPeer natted("127.0.0.1");
    natted.send(ports.towardsCaller, rtpPacket(1, 0x1111, 0xA1));
    callee.rtp->drain(100ms);
    // Not confirmed yet: the callee's media still goes to the SDP address.
    callee.rtp->send(ports.towardsCallee, rtpPacket(1, 0x2222, 0xB2));
    EXPECT_EQ(caller.rtp->drain().size(), 1u);
    std::this_thread::sleep_for(3100ms);
    natted.send(ports.towardsCaller, rtpPacket(2, 0x1111, 0xA1));
    callee.rtp->drain(100ms);
    callee.rtp->send(ports.towardsCallee, rtpPacket(2, 0x2222, 0xB2));
    EXPECT_EQ(natted.drain().size(), 1u);
}

TEST_P(Media, StrictSourceDropsOtherAddressesEvenWhileLearning) {
    PeerPair caller, callee;
    Value flags = Value::dict();
    Value list = Value::list();
    list.push("strict-source");
    flags.set("flags", list);
    auto ports = setUpCall("strict", *caller.rtp, *callee.rtp, flags);
    MediaPeer stranger("127.0.0.7");
    stranger.send(ports.towardsCaller, rtpPacket(1, 0x7777, 0xEE));
    EXPECT_EQ(callee.rtp->drain().size(), 0u);
    caller.rtp->send(ports.towardsCaller, rtpPacket(2, 0x1111, 0xA1));
    EXPECT_EQ(countMarked(callee.rtp->drain(), 0xA1), 1u);
    Value q = query("strict");
    EXPECT_EQ(stream(q, "caller").find("foreign source drops")->integer(), 1);
}

TEST_P(Media, MediaHandoverFollowsAPartyThatMoves) {
    PeerPair caller, callee;
    Value flags = Value::dict();
    Value list = Value::list();
    list.push("media-handover");
    flags.set("flags", list);
    auto ports = setUpCall("handover", *caller.rtp, *callee.rtp, flags);
    caller.rtp->send(ports.towardsCaller, rtpPacket(1, 0x1111, 0xA1));
    callee.rtp->drain(100ms);
    MediaPeer moved("127.0.0.1");
    moved.send(ports.towardsCaller, rtpPacket(2, 0x1111, 0xA1));
    EXPECT_EQ(countMarked(callee.rtp->drain(), 0xA1), 1u);
    callee.rtp->send(ports.towardsCallee, rtpPacket(1, 0x2222, 0xB2));
    EXPECT_EQ(moved.drain().size(), 1u);
    EXPECT_EQ(caller.rtp->drain(100ms).size(), 0u);
}

TEST_P(Media, BlockAndUnblockMedia) {
    PeerPair caller, callee;
    auto ports = setUpCall("block", *caller.rtp, *callee.rtp);
    auto block = command("block media");
    block.set("call-id", "block");
    block.set("from-tag", "caller");
    EXPECT_EQ(resultOf(request(block)), "ok");
    caller.rtp->send(ports.towardsCaller, rtpPacket(1, 0x1111, 0xA1));
    callee.rtp->send(ports.towardsCallee, rtpPacket(1, 0x2222, 0xB2));
    EXPECT_EQ(callee.rtp->drain().size(), 0u);
    EXPECT_EQ(caller.rtp->drain().size(), 1u);  // only the caller's direction is blocked
    auto unblock = command("unblock media");
    unblock.set("call-id", "block");
    unblock.set("from-tag", "caller");
    EXPECT_EQ(resultOf(request(unblock)), "ok");
    caller.rtp->send(ports.towardsCaller, rtpPacket(2, 0x1111, 0xA1));
    EXPECT_EQ(callee.rtp->drain().size(), 1u);

    auto whole = command("block media");
    whole.set("call-id", "block");
    request(whole);
    caller.rtp->send(ports.towardsCaller, rtpPacket(3, 0x1111, 0xA1));
    callee.rtp->send(ports.towardsCallee, rtpPacket(3, 0x2222, 0xB2));
    EXPECT_EQ(callee.rtp->drain().size() + caller.rtp->drain().size(), 0u);
}

TEST_P(Media, BadPacketsAreDroppedAndCountedAndTheRelayGoesOn) {
    PeerPair caller, callee;
    auto ports = setUpCall("bad", *caller.rtp, *callee.rtp);
    caller.rtp->send(ports.towardsCaller, {0x01, 0x02, 0x03});                 // garbage
    caller.rtp->send(ports.towardsCaller, {0x80, 0x00, 0x00, 0x01, 0, 0, 0});  // truncated
    auto v1 = rtpPacket(1, 0x1111, 0xA1);
    v1[0] = 0x40;  // version 1
    caller.rtp->send(ports.towardsCaller, v1);
    auto csrcOverflow = rtpPacket(1, 0x1111, 0xA1, 0, 8);
    csrcOverflow[0] = 0x8f;  // 15 CSRCs announced, none present
    caller.rtp->send(ports.towardsCaller, csrcOverflow);
    net::Endpoint rtcpPort(ports.towardsCaller.address(), ports.towardsCaller.port() + 1);
    caller.rtcp->send(rtcpPort, {0x81, 201, 0x00, 0x09, 1, 2, 3, 4});  // RTCP length lies
    caller.rtp->send(ports.towardsCaller, std::vector<uint8_t>(3000, 0xff));
    // Packets to a port of the range that no call uses (ports are allocated at random: skip
    // this call's RTP and RTCP ports, or the stranger's packet would be learned and relayed).
    auto isTaken = [&](uint16_t port) {
        for (uint16_t taken : {ports.towardsCaller.port(), ports.towardsCallee.port()}) {
            if (port == taken || port == taken + 1) {
                return true;
            }
        }
        return false;
    };
    auto unused = static_cast<uint16_t>(portMax_ - 1);
    while (isTaken(unused)) {
        unused = static_cast<uint16_t>(unused - 2);
    }
    MediaPeer stranger("127.0.0.1");
    stranger.send(net::Endpoint(ports.towardsCaller.address(), unused), rtpPacket(1, 1, 1));
    EXPECT_EQ(callee.rtp->drain().size() + callee.rtcp->drain(50ms).size(), 0u);
    caller.rtp->send(ports.towardsCaller, rtpPacket(2, 0x1111, 0xA1));
    EXPECT_EQ(countMarked(callee.rtp->drain(), 0xA1), 1u);
    Value q = query("bad");
    EXPECT_EQ(stream(q, "caller").find("stats")->find("errors")->integer(), 5);
    EXPECT_EQ(stream(q, "caller", 1).find("stats")->find("errors")->integer(), 1);
    EXPECT_TRUE(daemon_->running());
}

TEST_P(Media, TelephoneEventAndEveryPayloadTypeIsRelayedAndRecorded) {
    PeerPair caller, callee;
    auto ports = setUpCall("pt", *caller.rtp, *callee.rtp);
    caller.rtp->send(ports.towardsCaller, rtpPacket(1, 0x1111, 0xA1, 0));
    caller.rtp->send(ports.towardsCaller, rtpPacket(2, 0x1111, 0xA1, 101, 4));
    EXPECT_EQ(callee.rtp->drain().size(), 2u);
    Value q = query("pt");
    const auto& seen = q.find("tags")
                           ->find("caller")
                           ->find("medias")
                           ->items()[0]
                           .find("payload types seen")
                           ->items();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[1].integer(), 101);
}

class MediaOptions : public Media {
protected:
    void SetUp() override {}
};

TEST_P(MediaOptions, TosIsSetOnRelayedPackets) {
    startDaemon({"--tos=184"});
    PeerPair caller, callee;
    auto ports = setUpCall("tos", *caller.rtp, *callee.rtp);
    caller.rtp->send(ports.towardsCaller, rtpPacket(1, 0x1111, 0xA1));
    auto got = callee.rtp->drain();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].tos, 184);

    // The per-call TOS key overrides it.
    PeerPair c2, d2;
    Value tos = Value::dict();
    tos.set("TOS", 46 << 2);
    auto p2 = setUpCall("tos-2", *c2.rtp, *d2.rtp, tos);
    c2.rtp->send(p2.towardsCaller, rtpPacket(1, 0x1111, 0xA1));
    auto got2 = d2.rtp->drain();
    ASSERT_EQ(got2.size(), 1u);
    EXPECT_EQ(got2[0].tos, 46 << 2);
}

TEST_P(MediaOptions, TimeoutEndsACallWithoutMediaButNotOneWithMedia) {
    startDaemon({"--timeout=2", "--log-facility-cdr=local2", "--delete-delay=0"});
    PeerPair caller, callee, c2, d2;
    setUpCall("quiet", *caller.rtp, *callee.rtp);
    auto ports = setUpCall("talking", *c2.rtp, *d2.rtp);
    for (int i = 0; i < 35; ++i) {
        c2.rtp->send(ports.towardsCaller, rtpPacket(static_cast<uint16_t>(i), 0x1111, 0xA1));
        std::this_thread::sleep_for(100ms);
    }
    Value list = request(command("list"));
    ASSERT_EQ(list.find("calls")->items().size(), 1u) << daemon_->log();
    EXPECT_EQ(list.find("calls")->items()[0].str(), "talking");
    EXPECT_TRUE(daemon_->waitForLog("Closing call due to timeout (timeout)", 1s));
    EXPECT_TRUE(daemon_->waitForLog("CDR: ci=quiet, created_from=127.0.0.1:", 1s))
        << daemon_->log();
    EXPECT_TRUE(daemon_->waitForLog("ml0_termination=TIMEOUT", 1s));
    Value stats = request(command("statistics"));
    EXPECT_EQ(stats.find("statistics")->find("totalstatistics")->find("timeoutsessions")->integer(),
              1);
}

TEST_P(MediaOptions, SilentTimeoutGovernsHeldCallsAndFinalTimeoutEndsAnyCall) {
    startDaemon({"--timeout=1", "--silent-timeout=3", "--final-timeout=6"});
    PeerPair caller, callee;
    // Both sides announce they will not send: only silent-timeout applies.
    setUpCall("held", *caller.rtp, *callee.rtp, Value::dict(), "a=inactive\r\n", "a=inactive\r\n");
    std::this_thread::sleep_for(2200ms);
    EXPECT_EQ(request(command("list")).find("calls")->items().size(), 1u);
    std::this_thread::sleep_for(2500ms);
    EXPECT_EQ(request(command("list")).find("calls")->items().size(), 0u);
    EXPECT_TRUE(daemon_->waitForLog("Closing call due to timeout (silent-timeout)", 1s));
}

// Calls are looked at again when they could have run out of media; a reload that shortens
// the limits makes every call in progress be looked at under the new ones at once.
TEST_P(MediaOptions, ReloadedShorterTimeoutAppliesToCallsInProgress) {
    TempDir dir;
    dir.write("rtprelay.conf", "[rtpengine]\ntimeout = 30\n");
    startDaemon({"--config-file=" + dir.file("rtprelay.conf"), "--delete-delay=0"});
    PeerPair caller, callee;
    setUpCall("shortened", *caller.rtp, *callee.rtp);
    std::this_thread::sleep_for(1500ms);  // looked at once: not before 30 s from now
    dir.write("rtprelay.conf", "[rtpengine]\ntimeout = 1\n");
    daemon_->signal(SIGHUP);
    ASSERT_TRUE(daemon_->waitForLog("Reload: timeout changed from '30' to '1'", 5s))
        << daemon_->log();
    EXPECT_TRUE(daemon_->waitForLog("Closing call due to timeout (timeout)", 3s)) << daemon_->log();
    EXPECT_EQ(request(command("list")).find("calls")->items().size(), 0u);
}

TEST_P(MediaOptions, FinalTimeoutEndsACallWithMedia) {
    startDaemon({"--final-timeout=2"});
    PeerPair caller, callee;
    auto ports = setUpCall("final", *caller.rtp, *callee.rtp);
    for (int i = 0; i < 35; ++i) {
        caller.rtp->send(ports.towardsCaller, rtpPacket(static_cast<uint16_t>(i), 0x1111, 0xA1));
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(request(command("list")).find("calls")->items().size(), 0u);
    EXPECT_TRUE(daemon_->waitForLog("Closing call due to final timeout", 1s));
}

TEST_P(MediaOptions, CdrLineCarriesTagsReasonAndPerStreamCounters) {
    startDaemon({"--log-facility-cdr=local2", "--delete-delay=0"});
    PeerPair caller, callee;
    auto ports = setUpCall("cdr-1", *caller.rtp, *callee.rtp);
    for (uint16_t i = 0; i < 7; ++i) {
        caller.rtp->send(ports.towardsCaller, rtpPacket(i, 0x1111, 0xA1));
    }
    callee.rtp->drain(100ms);
    request(del("cdr-1"));
    ASSERT_TRUE(daemon_->waitForLog("CDR: ci=cdr-1,", 2s)) << daemon_->log();
    std::string log = daemon_->log();
    std::string line = log.substr(log.find("CDR: ci=cdr-1,"));
    line = line.substr(0, line.find('\n'));
    for (const std::string& part :
         {std::string("ml0_termination=REGULAR"), std::string("ml0_local_tag=caller"),
          std::string("ml0_local_tag_type=FROM_TAG"), std::string("ml0_remote_tag=callee"),
          std::string("ml1_local_tag=callee"), std::string("ml1_local_tag_type=TO_TAG"),
          std::string("ml0_midx1_rtp_relayed_packets=7"),
          std::string("ml0_midx1_rtp_endpoint_port=" + std::to_string(caller.rtp->port())),
          std::string("ml0_midx1_rtp_local_relay_port=" +
                      std::to_string(ports.towardsCaller.port())),
          std::string("payload_type=0"), std::string("ml0_duration=")}) {
        EXPECT_NE(line.find(part), std::string::npos) << part << "\n" << line;
    }
    EXPECT_TRUE(daemon_->waitForLog("Final packet stats:", 1s));
}

TEST_P(Media, ReSignallingMidStreamKeepsRelayingAndDeletingFreesThePorts) {
    PeerPair caller, callee;
    auto ports = setUpCall("resig", *caller.rtp, *callee.rtp);
    for (uint16_t i = 0; i < 20; ++i) {
        caller.rtp->send(ports.towardsCaller, rtpPacket(i, 0x1111, 0xA1));
    }
    EXPECT_EQ(countMarked(callee.rtp->drain(), 0xA1), 20u);
    // A re-INVITE: the worker swaps the call's routes while the sockets stay.
    auto again = setUpCall("resig", *caller.rtp, *callee.rtp);
    ASSERT_EQ(again.towardsCaller, ports.towardsCaller);
    for (uint16_t i = 20; i < 40; ++i) {
        caller.rtp->send(ports.towardsCaller, rtpPacket(i, 0x1111, 0xA1));
        callee.rtp->send(ports.towardsCallee, rtpPacket(i, 0x2222, 0xB2));
    }
    EXPECT_EQ(countMarked(callee.rtp->drain(), 0xA1), 20u);
    EXPECT_EQ(countMarked(caller.rtp->drain(), 0xB2), 20u);

    Value d = request(del("resig"));
    ASSERT_EQ(resultOf(d), "ok") << errorReasonOf(d);
    // Nothing in the relay holds the sockets any more: their ports can be bound at once.
    for (const auto& port : {ports.towardsCaller, ports.towardsCallee}) {
        EXPECT_NO_THROW(MediaPeer("127.0.0.1", port.port())) << port.toString();
        EXPECT_NO_THROW(MediaPeer("127.0.0.1", port.port() + 1)) << port.toString();
    }
}

TEST_P(Media, ABurstLargerThanTheReceiveBuffersIsRelayedWhole) {
    SignallingFixture::daemon_.reset();
    startDaemon({"--delete-delay=0", "--io-uring-buffers=16"});
    PeerPair caller, callee;
    auto ports = setUpCall("burst", *caller.rtp, *callee.rtp);
    // Bursts of far more packets than buffers, each sent without a pause: the receives run
    // out of buffers and start again once sends give them back; the socket queues the rest
    // meanwhile. (Bursts stay small enough for the peers' socket buffers.)
    constexpr uint16_t bursts = 4;
    constexpr uint16_t burst = 50;
    for (uint16_t b = 0; b < bursts; ++b) {
        for (uint16_t i = 0; i < burst; ++i) {
            caller.rtp->send(ports.towardsCaller, rtpPacket(b * burst + i, 0x1111, 0xA1));
        }
        std::this_thread::sleep_for(20ms);
    }
    auto got = callee.rtp->drain(500ms);
    EXPECT_EQ(countMarked(got, 0xA1), bursts * burst);
    Value q = query("burst");
    EXPECT_EQ(stream(q, "caller").find("stats")->find("packets")->integer(), bursts * burst);
}

// io_uring forbidden to the daemon (as container runtimes' default seccomp profiles do):
// it says so and relays through epoll.
class MediaWithoutIoUring : public Media {
protected:
    void SetUp() override {
        daemonInChild_ = [] {
            sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            };
            sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
            if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
                ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
                ::_exit(126);
            }
        };
        SignallingFixture::startDaemon({"--delete-delay=0"});
    }
};

TEST_F(MediaWithoutIoUring, FallsBackToEpollWithALogLine) {
    ASSERT_TRUE(
        daemon_->waitForLog("io_uring unavailable (io_uring_setup: Operation not "
                            "permitted): relaying through epoll",
                            2s))
        << daemon_->log();
    EXPECT_TRUE(daemon_->waitForLog("worker threads (epoll)", 1s));
    PeerPair caller, callee;
    auto ports = setUpCall("fallback", *caller.rtp, *callee.rtp);
    for (uint16_t i = 0; i < 10; ++i) {
        caller.rtp->send(ports.towardsCaller, rtpPacket(i, 0x1111, 0xA1));
        callee.rtp->send(ports.towardsCallee, rtpPacket(i, 0x2222, 0xB2));
    }
    EXPECT_EQ(countMarked(callee.rtp->drain(), 0xA1), 10u);
    EXPECT_EQ(countMarked(caller.rtp->drain(), 0xB2), 10u);
}

std::string backendName(const ::testing::TestParamInfo<std::string>& info) {
    return info.param;
}

INSTANTIATE_TEST_SUITE_P(Backends, Media, ::testing::Values("io_uring", "epoll"), backendName);
INSTANTIATE_TEST_SUITE_P(Backends, MediaLearning, ::testing::Values("io_uring", "epoll"),
                         backendName);
INSTANTIATE_TEST_SUITE_P(Backends, MediaOptions, ::testing::Values("io_uring", "epoll"),
                         backendName);

}  // namespace
}  // namespace rtprelay::test
