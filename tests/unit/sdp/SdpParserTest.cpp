#include <gtest/gtest.h>

#include <string>

#include "sdp/Parser.h"
#include "unit/sdp/SdpTestUtil.h"

namespace rtprelay::sdp {
namespace {

using test::readCorpusFile;

const std::string kHead = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\n";

TEST(SdpParser, ModelOfAPlainOffer) {
    ParseResult result = parse(readCorpusFile("kamailio_audio.sdp"));
    ASSERT_TRUE(result) << result.error().message;
    const SessionDescription& sdp = result.value();
    EXPECT_EQ(sdp.origin.username, "user1");
    EXPECT_EQ(sdp.origin.sessionId, "53655765");
    EXPECT_EQ(sdp.origin.sessionVersion, "2353687637");
    EXPECT_EQ(sdp.origin.address, "192.168.1.10");
    EXPECT_EQ(sdp.sessionName, "-");
    ASSERT_TRUE(sdp.connection);
    EXPECT_EQ(sdp.connection->address, "192.168.1.10");
    ASSERT_EQ(sdp.timings.size(), 1u);
    EXPECT_EQ(sdp.timings[0].value, "0 0");
    ASSERT_EQ(sdp.media.size(), 1u);
    const MediaDescription& m = sdp.media[0];
    EXPECT_EQ(m.type, "audio");
    EXPECT_EQ(m.port, 6000);
    EXPECT_FALSE(m.portCount);
    EXPECT_EQ(m.protocol, "RTP/AVP");
    EXPECT_TRUE(m.isRtp());
    EXPECT_EQ(m.formats, (std::vector<std::string>{"0", "8", "101"}));
    ASSERT_EQ(m.rtpMaps.size(), 1u);
    EXPECT_EQ(m.rtpMaps[0], (RtpMap{"101", "telephone-event", 8000, std::nullopt}));
    ASSERT_EQ(m.fmtps.size(), 1u);
    EXPECT_EQ(m.fmtps[0], (Fmtp{"101", "0-16"}));
    EXPECT_EQ(m.ptime, 20u);
    EXPECT_FALSE(m.direction);
    EXPECT_FALSE(m.connection);
    EXPECT_TRUE(m.attributes.empty());
    const Connection* effective = sdp.effectiveConnection(0);
    ASSERT_NE(effective, nullptr);
    EXPECT_EQ(effective->address, "192.168.1.10");
    EXPECT_EQ(sdp.effectiveConnection(1), nullptr);
    EXPECT_EQ(sdp.effectiveDirection(0), Direction::sendrecv);
}

TEST(SdpParser, ModelOfAWebRtcOffer) {
    ParseResult result = parse(readCorpusFile("webrtc_chrome.sdp"));
    ASSERT_TRUE(result) << result.error().message;
    const SessionDescription& sdp = result.value();
    EXPECT_FALSE(sdp.connection);
    ASSERT_NE(sdp.findAttribute("group"), nullptr);
    EXPECT_EQ(sdp.findAttribute("group")->value, "BUNDLE 0 1");
    ASSERT_EQ(sdp.media.size(), 2u);
    const MediaDescription& audio = sdp.media[0];
    EXPECT_EQ(audio.protocol, "UDP/TLS/RTP/SAVPF");
    EXPECT_TRUE(audio.isRtp());
    EXPECT_EQ(audio.mid, "0");
    EXPECT_TRUE(audio.rtcpMux);
    ASSERT_TRUE(audio.rtcp);
    EXPECT_EQ(audio.rtcp->port, 9);
    ASSERT_TRUE(audio.rtcp->connection);
    EXPECT_EQ(audio.rtcp->connection->address, "0.0.0.0");
    EXPECT_EQ(audio.iceUfrag, "F7gI");
    EXPECT_EQ(audio.icePwd, "x9cml/YzichV2+XlhiMu8g");
    EXPECT_EQ(audio.iceOptions, "trickle");
    EXPECT_EQ(audio.candidates.size(), 1u);
    EXPECT_EQ(audio.setup, "actpass");
    EXPECT_EQ(audio.fingerprints.size(), 1u);
    EXPECT_EQ(audio.direction, Direction::sendrecv);
    EXPECT_EQ(audio.extmaps,
              (std::vector<std::string>{"1 urn:ietf:params:rtp-hdrext:ssrc-audio-level"}));
    ASSERT_EQ(audio.rtpMaps.size(), 5u);
    EXPECT_EQ(audio.rtpMaps[0], (RtpMap{"111", "opus", 48000, 2}));
    ASSERT_EQ(audio.rtcpFbs.size(), 1u);
    EXPECT_EQ(audio.rtcpFbs[0], (RtcpFb{"111", "transport-cc"}));
    ASSERT_EQ(audio.attributes.size(), 2u);
    EXPECT_EQ(audio.attributes[0], (Attribute{"msid", "stream1 track1", true}));
    EXPECT_EQ(audio.attributes[1].name, "ssrc");
    ASSERT_NE(sdp.effectiveConnection(1), nullptr);
    EXPECT_EQ(sdp.effectiveConnection(1)->address, "0.0.0.0");
}

TEST(SdpParser, ConnectionSuffixesAndFamilies) {
    ParseResult result = parse(readCorpusFile("rfc_seminar.sdp"));
    ASSERT_TRUE(result) << result.error().message;
    const SessionDescription& sdp = result.value();
    EXPECT_EQ(sdp.connection->suffix, "/127");
    EXPECT_EQ(sdp.media[1].connection->suffix, "/127/2");
    EXPECT_EQ(sdp.media[1].portCount, 2);
    EXPECT_EQ(sdp.direction, Direction::recvonly);
    ASSERT_EQ(sdp.timings.size(), 1u);
    EXPECT_EQ(sdp.timings[0].repeats, (std::vector<std::string>{"7d 1h 0 25h"}));
    EXPECT_EQ(sdp.timeZones, (std::vector<std::string>{"2882844526 -1h 2898848070 0"}));
    EXPECT_EQ(sdp.extraLines, (std::vector<ExtraLine>{{'k', "clear:secret"}}));
    EXPECT_EQ(sdp.media[0].extraLines, (std::vector<ExtraLine>{{'k', "prompt"}}));
    EXPECT_EQ(sdp.media[0].info, "Voice");

    ParseResult v6 = parse(readCorpusFile("ipv6.sdp"));
    ASSERT_TRUE(v6) << v6.error().message;
    EXPECT_EQ(v6.value().connection->addrType, "IP6");
    auto ip = v6.value().connection->ipAddress();
    ASSERT_TRUE(ip);
    EXPECT_TRUE(ip->isV6());
    EXPECT_EQ(v6.value().sessionName, "");

    ParseResult any = parse(kHead + "c=IN IP4 0.0.0.0\nm=audio 0 RTP/AVP 0\n");
    ASSERT_TRUE(any) << any.error().message;
    EXPECT_TRUE(any.value().connection->ipAddress()->isAny());
}

TEST(SdpParser, AttributeValueForms) {
    ParseResult result =
        parse(kHead + "a=flag\na=empty:\na=kv:a:b c\nm=audio 1 RTP/AVP 0\na=rtcp-mux\n");
    ASSERT_TRUE(result) << result.error().message;
    const auto& attrs = result.value().attributes;
    ASSERT_EQ(attrs.size(), 3u);
    EXPECT_EQ(attrs[0], (Attribute{"flag", "", false}));
    EXPECT_EQ(attrs[1], (Attribute{"empty", "", true}));
    EXPECT_EQ(attrs[2], (Attribute{"kv", "a:b c", true}));
    EXPECT_TRUE(result.value().media[0].rtcpMux);
}

TEST(SdpParser, NonRtpFormatsAreFreeTokens) {
    ParseResult result = parse(kHead +
                               "c=IN IP4 192.0.2.1\nm=message 9 TCP/MSRP *\n"
                               "m=image 0 udptl t38\nm=application 9 UDP/BFCP *\n");
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_FALSE(result.value().media[0].isRtp());
    EXPECT_EQ(result.value().media[0].formats, (std::vector<std::string>{"*"}));
    EXPECT_EQ(result.value().media[1].formats, (std::vector<std::string>{"t38"}));
}

TEST(SdpParser, ZeroMediaIsAcceptedAndRecorded) {
    ParseResult result = parse("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\n");
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_TRUE(result.value().media.empty());
}

struct Rejection {
    std::string input;
    size_t line;
    std::string message;
};

class SdpParserRejects : public ::testing::TestWithParam<Rejection> {};

TEST_P(SdpParserRejects, WithLineNumberAndMessage) {
    const Rejection& r = GetParam();
    ParseResult result = parse(r.input);
    ASSERT_FALSE(result) << "accepted: " << r.input;
    EXPECT_EQ(result.error().line, r.line);
    EXPECT_EQ(result.error().message, r.message);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(All, SdpParserRejects, ::testing::Values(
    Rejection{"", 0, "missing v= line: empty SDP"},
    Rejection{"\r\n\n  \n", 0, "missing v= line: empty SDP"},
    Rejection{"o=- 1 1 IN IP4 192.0.2.1\nv=0\n", 1, "line 1: SDP must start with v=0"},
    Rejection{"v=1\n", 1, "line 1: unsupported version '1' (expected v=0)"},
    Rejection{"v=0\nv=0\n", 2, "line 2: duplicate v= line"},
    Rejection{"v=0\ns=-\nt=0 0\n", 0, "missing o= line"},
    Rejection{"v=0\no=- 1 IN IP4 192.0.2.1\n", 2,
              "line 2: invalid o= line: expected 6 fields, got 5"},
    Rejection{kHead + "o=- 1 1 IN IP4 192.0.2.1\n", 5, "line 5: duplicate o= line"},
    Rejection{kHead + "s=again\n", 5, "line 5: duplicate s= line"},
    Rejection{kHead + "i=a\ni=b\n", 6, "line 6: duplicate i= line"},
    Rejection{kHead + "u=a\nu=b\n", 6, "line 6: duplicate u= line"},
    Rejection{kHead + "hello\n", 5,
              "line 5: malformed line 'hello': expected '<letter>=<value>'"},
    Rejection{kHead + "=x\n", 5, "line 5: malformed line '=x': expected '<letter>=<value>'"},
    Rejection{kHead + "1=x\n", 5, "line 5: malformed line '1=x': expected '<letter>=<value>'"},
    Rejection{kHead + "a\n", 5, "line 5: malformed line 'a': expected '<letter>=<value>'"},
    Rejection{kHead + "a =x\n", 5,
              "line 5: malformed line 'a =x': expected '<letter>=<value>'"},
    Rejection{kHead + "m=audio 70000 RTP/AVP 0\n", 5,
              "line 5: invalid m= line: port '70000' out of range"},
    Rejection{kHead + "m=audio 99999999999999999999999 RTP/AVP 0\n", 5,
              "line 5: invalid m= line: port '99999999999999999999999' out of range"},
    Rejection{kHead + "m=audio x RTP/AVP 0\n", 5, "line 5: invalid m= line: invalid port 'x'"},
    Rejection{kHead + "m=audio -1 RTP/AVP 0\n", 5, "line 5: invalid m= line: invalid port '-1'"},
    Rejection{kHead + "m=audio /2 RTP/AVP 0\n", 5, "line 5: invalid m= line: invalid port ''"},
    Rejection{kHead + "m=audio 5000/0 RTP/AVP 0\n", 5,
              "line 5: invalid m= line: invalid port count '0'"},
    Rejection{kHead + "m=audio 5000/ RTP/AVP 0\n", 5,
              "line 5: invalid m= line: invalid port count ''"},
    Rejection{kHead + "m=audio 5000/2/3 RTP/AVP 0\n", 5,
              "line 5: invalid m= line: invalid port count '2/3'"},
    Rejection{kHead + "m=audio 5000 RTP/AVP\n", 5, "line 5: invalid m= line: no formats"},
    Rejection{kHead + "m=audio 5000\n", 5,
              "line 5: invalid m= line: expected '<media> <port> <proto> <format>...'"},
    Rejection{kHead + "m=\n", 5,
              "line 5: invalid m= line: expected '<media> <port> <proto> <format>...'"},
    Rejection{kHead + "m=audio 5000 RTP/AVP 0 128\n", 5,
              "line 5: invalid m= line: invalid payload type '128'"},
    Rejection{kHead + "m=audio 5000 RTP/SAVPF PCMU\n", 5,
              "line 5: invalid m= line: invalid payload type 'PCMU'"},
    Rejection{kHead + "m=audio 5000 RTP/AVP 08\n", 5,
              "line 5: invalid m= line: invalid payload type '08'"},
    Rejection{kHead + "c=IN IP4\n", 5,
              "line 5: invalid c= line: expected 'IN IP4|IP6 <address>'"},
    Rejection{kHead + "c=IN IP4 1.2.3.4 extra\n", 5,
              "line 5: invalid c= line: expected 'IN IP4|IP6 <address>'"},
    Rejection{kHead + "c=ATM IP4 1.2.3.4\n", 5,
              "line 5: invalid c= line: network type 'ATM' not supported"},
    Rejection{kHead + "c=IN IP5 1.2.3.4\n", 5,
              "line 5: invalid c= line: address type 'IP5' not supported"},
    Rejection{kHead + "c=IN IP4 ::1\n", 5, "line 5: invalid c= line: invalid IP4 address '::1'"},
    Rejection{kHead + "c=IN IP6 192.0.2.1\n", 5,
              "line 5: invalid c= line: invalid IP6 address '192.0.2.1'"},
    Rejection{kHead + "c=IN IP4 sip.example.com\n", 5,
              "line 5: invalid c= line: invalid IP4 address 'sip.example.com'"},
    Rejection{kHead + "c=IN IP4 300.1.1.1\n", 5,
              "line 5: invalid c= line: invalid IP4 address '300.1.1.1'"},
    Rejection{kHead + "c=IN IP6 [::1]\n", 5, "line 5: invalid c= line: invalid IP6 address '[::1]'"},
    Rejection{kHead + "c=IN IP4 224.2.1.1/x\n", 5,
              "line 5: invalid c= line: invalid TTL/count suffix '/x'"},
    Rejection{kHead + "c=IN IP4 224.2.1.1/1/2/3\n", 5,
              "line 5: invalid c= line: invalid TTL/count suffix '/1/2/3'"},
    Rejection{kHead + "c=IN IP4 192.0.2.1\nc=IN IP4 192.0.2.1\n", 6, "line 6: duplicate c= line"},
    Rejection{kHead + "m=audio 1 RTP/AVP 0\nc=IN IP4 192.0.2.1\nc=IN IP4 192.0.2.2\n", 7,
              "line 7: duplicate c= line in media section"},
    Rejection{kHead + "m=audio 1 RTP/AVP 0\ni=a\ni=b\n", 7, "line 7: duplicate i= line"},
    Rejection{kHead + "b=AS64\n", 5, "line 5: invalid b= line: expected '<type>:<value>'"},
    Rejection{kHead + "b=:64\n", 5, "line 5: invalid b= line: expected '<type>:<value>'"},
    Rejection{"v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nr=7d 1h 0 25h\n", 4,
              "line 4: r= line without a preceding t= line"},
    Rejection{kHead + "m=audio 1 RTP/AVP 0\nt=0 0\n", 6,
              "line 6: t= line not allowed in a media section"},
    Rejection{kHead + "m=audio 1 RTP/AVP 0\no=- 1 1 IN IP4 192.0.2.1\n", 6,
              "line 6: o= line not allowed in a media section"},
    Rejection{kHead + "m=audio 1 RTP/AVP 0\nv=0\n", 6, "line 6: duplicate v= line"},
    Rejection{kHead + "a=\n", 5, "line 5: invalid a= line: empty attribute name"},
    Rejection{kHead + "a=:x\n", 5, "line 5: invalid a= line: empty attribute name"},
    Rejection{kHead + std::string("a=x\0y\n", 6), 5, "line 5: NUL byte in line"},
    Rejection{kHead + "m=audio 70000\x01 RTP/AVP 0\n", 5,
              "line 5: invalid m= line: invalid port '70000\\x01'"}));
// clang-format on

TEST(SdpParserLimits, DefaultsMatchTheDocumentedBounds) {
    Limits limits;
    EXPECT_EQ(limits.maxSize, 65536u);
    EXPECT_EQ(limits.maxLines, 2048u);
    EXPECT_EQ(limits.maxLineLength, 4096u);
    EXPECT_EQ(limits.maxMedia, 64u);
    EXPECT_EQ(limits.maxFormats, 1024u);
    EXPECT_EQ(limits.maxAttributesPerSection, 1024u);
}

TEST(SdpParserLimits, TotalSize) {
    std::string body = kHead + "m=audio 1 RTP/AVP 0\n";
    while (body.size() <= 65536) {
        body += "a=x-padding:0123456789012345678901234567890123456789\n";
    }
    ParseResult result = parse(body);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().line, 0u);
    EXPECT_EQ(result.error().message,
              "SDP too large: " + std::to_string(body.size()) + " bytes (limit 65536)");
    Limits roomy;
    roomy.maxSize = body.size();
    roomy.maxLines = 4096;
    roomy.maxAttributesPerSection = 4096;
    EXPECT_TRUE(parse(body, roomy));
}

TEST(SdpParserLimits, LineCountIncludingBlankLines) {
    Limits limits;
    limits.maxLines = 6;
    EXPECT_TRUE(parse(kHead + "\na=x\n", limits));
    ParseResult result = parse(kHead + "\na=x\na=y\n", limits);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message, "line 7: too many lines (limit 6)");
    EXPECT_FALSE(parse(std::string(2049, '\n')));
}

TEST(SdpParserLimits, LineLength) {
    std::string exact = "a=x:" + std::string(4092, 'y');
    EXPECT_TRUE(parse(kHead + exact + "\r\n"));
    ParseResult result = parse(kHead + exact + "y\n");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message, "line 5: line too long: 4097 bytes (limit 4096)");
}

TEST(SdpParserLimits, MediaSections) {
    std::string body = kHead + "c=IN IP4 192.0.2.1\n";
    for (int i = 0; i < 64; ++i) {
        body += "m=audio 1 RTP/AVP 0\n";
    }
    EXPECT_TRUE(parse(body));
    ParseResult result = parse(body + "m=audio 1 RTP/AVP 0\n");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message, "line 70: too many media sections (limit 64)");
}

TEST(SdpParserLimits, FormatsPerMediaLine) {
    std::string formats;
    for (int i = 0; i < 1024; ++i) {
        formats += " " + std::to_string(i % 128);
    }
    EXPECT_TRUE(parse(kHead + "m=audio 1 RTP/AVP" + formats + "\n"));
    ParseResult result = parse(kHead + "m=audio 1 RTP/AVP" + formats + " 0\n");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message,
              "line 5: invalid m= line: too many formats (1025, limit 1024)");
}

TEST(SdpParserLimits, AttributesPerSection) {
    Limits limits;
    limits.maxAttributesPerSection = 2;
    EXPECT_TRUE(parse(kHead + "a=a\na=b\nm=audio 1 RTP/AVP 0\na=c\na=d\n", limits));
    ParseResult result = parse(kHead + "a=a\na=b\nm=audio 1 RTP/AVP 0\na=c\na=d\na=e\n", limits);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message, "line 10: too many attributes in section (limit 2)");
}

TEST(SdpParserLimits, LongQuotedValuesAreTruncatedInMessages) {
    ParseResult result = parse(kHead + "m=audio " + std::string(100, '9') + " RTP/AVP 0\n");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().message,
              "line 5: invalid m= line: port '" + std::string(40, '9') + "...' out of range");
}

}  // namespace
}  // namespace rtprelay::sdp
