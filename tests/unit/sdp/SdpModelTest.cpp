#include <gtest/gtest.h>

#include "common/IpAddress.h"
#include "sdp/Parser.h"
#include "sdp/StaticPayloadTypes.h"
#include "sdp/Writer.h"
#include "unit/sdp/SdpTestUtil.h"

namespace rtprelay::sdp {
namespace {

using test::crlf;
using test::readCorpusFile;

TEST(StaticPayloadTypes, Rfc3551Table) {
    EXPECT_EQ(staticPayloadTypes().size(), 24u);
    const StaticPayloadType* pcmu = findStaticPayloadType(0);
    ASSERT_NE(pcmu, nullptr);
    EXPECT_EQ(pcmu->encoding, "PCMU");
    EXPECT_EQ(pcmu->clockRate, 8000u);
    const StaticPayloadType* l16 = findStaticPayloadType(10);
    ASSERT_NE(l16, nullptr);
    EXPECT_EQ(l16->channels, 2);
    EXPECT_EQ(findStaticPayloadType(6)->clockRate, 16000u);
    EXPECT_EQ(findStaticPayloadType(34)->encoding, "H263");
    EXPECT_EQ(findStaticPayloadType(2), nullptr);
    EXPECT_EQ(findStaticPayloadType(19), nullptr);
    EXPECT_EQ(findStaticPayloadType(96), nullptr);
    EXPECT_EQ(findStaticPayloadType("pcma", 8000)->payloadType, 8);
    EXPECT_EQ(findStaticPayloadType("L16", 44100, 2)->payloadType, 10);
    EXPECT_EQ(findStaticPayloadType("L16", 44100)->payloadType, 11);
    EXPECT_EQ(findStaticPayloadType("DVI4", 22050)->payloadType, 17);
    EXPECT_EQ(findStaticPayloadType("opus", 48000, 2), nullptr);
}

TEST(StaticPayloadTypes, ParsePayloadType) {
    EXPECT_EQ(parsePayloadType("0"), 0);
    EXPECT_EQ(parsePayloadType("127"), 127);
    EXPECT_FALSE(parsePayloadType("128"));
    EXPECT_FALSE(parsePayloadType("08"));
    EXPECT_FALSE(parsePayloadType(""));
    EXPECT_FALSE(parsePayloadType("1a"));
    EXPECT_FALSE(parsePayloadType("-1"));
    EXPECT_FALSE(parsePayloadType("0000"));
}

TEST(Origin, IncrementVersionIsDecimalAtAnyLength) {
    Origin o;
    o.sessionVersion = "9";
    EXPECT_TRUE(o.incrementVersion());
    EXPECT_EQ(o.sessionVersion, "10");
    o.sessionVersion = "2353687637";
    EXPECT_TRUE(o.incrementVersion());
    EXPECT_EQ(o.sessionVersion, "2353687638");
    o.sessionVersion = "99999999999999999999999";
    EXPECT_TRUE(o.incrementVersion());
    EXPECT_EQ(o.sessionVersion, "100000000000000000000000");
    o.sessionVersion = "12a";
    EXPECT_FALSE(o.incrementVersion());
    EXPECT_EQ(o.sessionVersion, "12a");
    o.sessionVersion = "";
    EXPECT_FALSE(o.incrementVersion());
}

TEST(Direction, NamesRoundTrip) {
    for (Direction d :
         {Direction::sendrecv, Direction::sendonly, Direction::recvonly, Direction::inactive}) {
        EXPECT_EQ(directionFromString(toString(d)), d);
    }
    EXPECT_FALSE(directionFromString("SENDRECV"));
}

TEST(MediaDescription, ProtocolClassification) {
    for (const char* p : {"RTP/AVP", "RTP/AVPF", "RTP/SAVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVPF",
                          "UDP/TLS/RTP/SAVP", "TCP/RTP/AVP", "TCP/TLS/RTP/SAVPF", "rtp/avp"}) {
        EXPECT_TRUE(isRtpProtocol(p)) << p;
    }
    for (const char* p : {"udptl", "UDP/DTLS/SCTP", "TCP/MSRP", "UDP/BFCP", "TCP/RTPX", ""}) {
        EXPECT_FALSE(isRtpProtocol(p)) << p;
    }
}

TEST(MediaDescription, EffectiveRtpMapFallsBackToStaticTableOnlyForRtp) {
    MediaDescription m;
    m.protocol = "RTP/AVP";
    m.formats = {"8", "96", "10"};
    m.rtpMaps.push_back(RtpMap{"96", "opus", 48000, 2});
    EXPECT_EQ(m.effectiveRtpMap("8"), (RtpMap{"8", "PCMA", 8000, std::nullopt}));
    EXPECT_EQ(m.effectiveRtpMap("10"), (RtpMap{"10", "L16", 44100, 2}));
    EXPECT_EQ(m.effectiveRtpMap("96"), (RtpMap{"96", "opus", 48000, 2}));
    EXPECT_FALSE(m.effectiveRtpMap("97"));
    m.protocol = "udptl";
    EXPECT_FALSE(m.effectiveRtpMap("8"));
}

TEST(MediaDescription, RemoveFormatDropsItsCodecLines) {
    ParseResult parsed = parse(readCorpusFile("webrtc_chrome.sdp"));
    ASSERT_TRUE(parsed);
    MediaDescription& video = parsed.value().media[1];
    EXPECT_TRUE(video.removeFormat("96"));
    EXPECT_FALSE(video.removeFormat("96"));
    EXPECT_EQ(video.formats, (std::vector<std::string>{"97"}));
    EXPECT_EQ(video.findRtpMap("96"), nullptr);
    EXPECT_TRUE(video.rtcpFbs.empty());
    EXPECT_EQ(video.fmtps.size(), 1u);  // 97's apt=96 stays: the engine decides about rtx
    EXPECT_TRUE(video.hasFormat("97"));
}

TEST(SessionDescription, RemoveIceClearsSessionAndMediaLevels) {
    std::string input = readCorpusFile("datachannel.sdp");
    input += "a=remote-candidates:1 198.51.100.9 9000\na=ice-pacing:50\n";
    ParseResult parsed = parse(input);
    ASSERT_TRUE(parsed);
    SessionDescription& sdp = parsed.value();
    EXPECT_TRUE(sdp.iceLite());
    sdp.removeIce();
    EXPECT_FALSE(sdp.iceLite());
    EXPECT_EQ(write(sdp), crlf(R"(v=0
o=- 12 2 IN IP4 127.0.0.1
s=-
t=0 0
m=application 9 UDP/DTLS/SCTP webrtc-datachannel
c=IN IP4 0.0.0.0
a=mid:2
a=sctp-port:5000
a=max-message-size:262144
a=sendrecv
a=setup:passive
a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99
)"));
}

// What the engine will do with an offer: new address and port, one codec fewer, SRTP added,
// RTCP attribute filled in, version bumped.
TEST(SessionDescription, EngineStyleRewrite) {
    ParseResult parsed = parse(readCorpusFile("kamailio_audio.sdp"));
    ASSERT_TRUE(parsed);
    SessionDescription sdp = std::move(parsed).value();
    auto local = net::IpAddress::parse("2001:db8::7");
    ASSERT_TRUE(local);
    sdp.origin.incrementVersion();
    MediaDescription& m = sdp.media[0];
    m.port = 30000;
    m.connection = Connection::fromIp(*local);
    EXPECT_TRUE(m.removeFormat("8"));
    m.rtcp = RtcpAttribute{30001, std::nullopt};
    m.direction = Direction::sendonly;
    m.cryptos.push_back("1 AES_CM_128_HMAC_SHA1_80 inline:key");
    m.attributes.push_back(Attribute{"rtpengine", "abc", true});
    EXPECT_EQ(write(sdp), crlf(R"(v=0
o=user1 53655765 2353687638 IN IP4 192.168.1.10
s=-
t=0 0
m=audio 30000 RTP/AVP 0 101
c=IN IP6 2001:db8::7
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=rtpengine:abc
a=sendonly
a=rtcp:30001
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:key
a=ptime:20
)"));
    // Full RTCP form and the muxed case.
    m.rtcp->connection = Connection::fromIp(*local);
    std::string full = write(sdp);
    EXPECT_NE(full.find("a=rtcp:30001 IN IP6 2001:db8::7\r\n"), std::string::npos);
    m.rtcpMux = true;
    std::string muxed = write(sdp);
    EXPECT_EQ(muxed.find("a=rtcp:"), std::string::npos);
    EXPECT_NE(muxed.find("a=rtcp-mux\r\n"), std::string::npos);
}

TEST(SessionDescription, AttributeHelpers) {
    ParseResult parsed = parse(readCorpusFile("webrtc_chrome.sdp"));
    ASSERT_TRUE(parsed);
    SessionDescription& sdp = parsed.value();
    EXPECT_EQ(sdp.removeAttributes("msid-semantic"), 1u);
    EXPECT_EQ(sdp.findAttribute("msid-semantic"), nullptr);
    EXPECT_EQ(sdp.media[1].removeAttributes("ssrc"), 2u);
    EXPECT_NE(sdp.media[1].findAttribute("ssrc-group"), nullptr);
}

}  // namespace
}  // namespace rtprelay::sdp
