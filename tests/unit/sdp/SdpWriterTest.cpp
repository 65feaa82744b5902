#include <gtest/gtest.h>

#include <filesystem>

#include "sdp/Parser.h"
#include "sdp/Writer.h"
#include "unit/sdp/SdpTestUtil.h"

namespace rtprelay::sdp {
namespace {

using test::crlf;
using test::readCorpusFile;
using test::rewrite;

TEST(SdpWriter, PlainAudioOfferGetsRtpmapsDirectionAndMediaConnection) {
    EXPECT_EQ(rewrite(readCorpusFile("kamailio_audio.sdp")), crlf(R"(v=0
o=user1 53655765 2353687637 IN IP4 192.168.1.10
s=-
t=0 0
m=audio 6000 RTP/AVP 0 8 101
c=IN IP4 192.168.1.10
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=sendrecv
a=ptime:20
)"));
}

TEST(SdpWriter, CrlfAndLfInputsGiveTheSameOutput) {
    std::string crlfInput = readCorpusFile("sipp_crlf.sdp");
    ASSERT_NE(crlfInput.find("\r\n"), std::string::npos);
    std::string lfInput;
    for (char c : crlfInput) {
        if (c != '\r') {
            lfInput += c;
        }
    }
    std::string expected = crlf(R"(v=0
o=- 3905837421 3905837421 IN IP4 10.0.0.5
s=SIPp
t=0 0
m=audio 16384 RTP/AVP 8 0 18 101
c=IN IP4 10.0.0.5
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:18 G729/8000
a=fmtp:18 annexb=no
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
)");
    EXPECT_EQ(rewrite(crlfInput), expected);
    EXPECT_EQ(rewrite(lfInput), expected);
}

const char* const kWebRtcExpected = R"(v=0
o=- 4611731400430051336 2 IN IP4 127.0.0.1
s=-
t=0 0
a=group:BUNDLE 0 1
a=extmap-allow-mixed
a=msid-semantic: WMS stream1
m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
c=IN IP4 0.0.0.0
a=mid:0
a=rtpmap:111 opus/48000/2
a=fmtp:111 minptime=10;useinbandfec=1
a=rtcp-fb:111 transport-cc
a=rtpmap:63 red/48000/2
a=fmtp:63 111/111
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:13 CN/8000
a=rtpmap:110 telephone-event/48000
a=rtpmap:126 telephone-event/8000
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=msid:stream1 track1
a=ssrc:3570614608 cname:4TOk42mSjXCkVIa6
a=sendrecv
%RTCP%a=rtcp-mux
a=setup:actpass
a=fingerprint:sha-256 D1:2C:BE:AD:C4:F6:64:5C:25:16:11:9C:AF:E7:0F:73:79:36:4E:9C:1E:15:54:39:0C:06:8B:ED:96:86:00:39
a=ice-ufrag:F7gI
a=ice-pwd:x9cml/YzichV2+XlhiMu8g
a=ice-options:trickle
a=candidate:1467250027 1 udp 2122260223 192.168.0.196 46243 typ host generation 0
m=video 9 UDP/TLS/RTP/SAVPF 96 97
c=IN IP4 0.0.0.0
a=mid:1
a=rtpmap:96 VP8/90000
a=rtcp-fb:96 goog-remb
a=rtcp-fb:96 nack
a=rtcp-fb:96 nack pli
a=rtpmap:97 rtx/90000
a=fmtp:97 apt=96
a=extmap:14 urn:ietf:params:rtp-hdrext:toffset
a=rtcp-rsize
a=ssrc-group:FID 1111 2222
a=ssrc:1111 cname:4TOk42mSjXCkVIa6
a=ssrc:2222 cname:4TOk42mSjXCkVIa6
a=sendrecv
%RTCP%a=rtcp-mux
a=setup:actpass
a=fingerprint:sha-256 D1:2C:BE:AD:C4:F6:64:5C:25:16:11:9C:AF:E7:0F:73:79:36:4E:9C:1E:15:54:39:0C:06:8B:ED:96:86:00:39
a=ice-ufrag:F7gI
a=ice-pwd:x9cml/YzichV2+XlhiMu8g
a=ice-options:trickle
)";

std::string webRtcExpected(std::string_view rtcpLine) {
    std::string text = kWebRtcExpected;
    for (size_t at; (at = text.find("%RTCP%")) != std::string::npos;) {
        text.replace(at, 6, rtcpLine);
    }
    return crlf(text);
}

TEST(SdpWriter, WebRtcOfferKeepsIceDtlsMuxAndCodecFeedback) {
    std::string input = readCorpusFile("webrtc_chrome.sdp");
    // a=rtcp is redundant once RTCP is muxed onto the RTP port.
    EXPECT_EQ(rewrite(input), webRtcExpected(""));
    WriteOptions options;
    options.rtcpWithMux = true;
    EXPECT_EQ(rewrite(input, options), webRtcExpected("a=rtcp:9 IN IP4 0.0.0.0\n"));
}

TEST(SdpWriter, AudioAndVideoWithBandwidthAndWildcardFeedback) {
    EXPECT_EQ(rewrite(readCorpusFile("audio_video.sdp")), crlf(R"(v=0
o=alice 2890844526 2890844526 IN IP4 198.51.100.1
s=Call
b=AS:2000
t=0 0
m=audio 49170 RTP/AVP 0 97
c=IN IP4 198.51.100.1
b=AS:64
a=rtpmap:0 PCMU/8000
a=rtpmap:97 iLBC/8000
a=fmtp:97 mode=30
a=sendrecv
m=video 51372 RTP/AVP 31 96
c=IN IP4 198.51.100.1
b=AS:1900
a=rtpmap:31 H261/90000
a=rtpmap:96 H264/90000
a=fmtp:96 profile-level-id=42e01f;packetization-mode=1
a=rtcp-fb:96 nack pli
a=rtcp-fb:96 ccm fir
a=rtcp-fb:* nack
a=sendrecv
)"));
}

TEST(SdpWriter, T38ImageGetsNoRtpmap) {
    EXPECT_EQ(rewrite(readCorpusFile("t38.sdp")), crlf(R"(v=0
o=- 1 2 IN IP4 192.0.2.10
s=-
t=0 0
m=image 40000 udptl t38
c=IN IP4 192.0.2.10
a=T38FaxVersion:0
a=T38MaxBitRate:14400
a=T38FaxRateManagement:transferredTCF
a=T38FaxMaxBuffer:262
a=T38FaxMaxDatagram:176
a=T38FaxUdpEC:t38UDPRedundancy
a=sendrecv
)"));
}

TEST(SdpWriter, RejectedStreamStaysInPlace) {
    EXPECT_EQ(rewrite(readCorpusFile("rejected_video.sdp")), crlf(R"(v=0
o=- 5 5 IN IP4 192.0.2.20
s=-
t=0 0
m=audio 30000 RTP/AVP 8
c=IN IP4 192.0.2.20
a=rtpmap:8 PCMA/8000
a=sendrecv
m=video 0 RTP/AVP 96
c=IN IP4 192.0.2.20
a=rtpmap:96 H264/90000
a=sendrecv
m=audio 30002 RTP/AVP 0
c=IN IP4 192.0.2.20
a=rtpmap:0 PCMU/8000
a=sendrecv
)"));
}

TEST(SdpWriter, SessionLevelHoldMovesToMediaWithoutOverridingTheirOwn) {
    std::string expected = crlf(R"(v=0
o=- 1 3 IN IP4 192.0.2.10
s=-
t=0 0
m=audio 4000 RTP/AVP 0
c=IN IP4 192.0.2.10
a=rtpmap:0 PCMU/8000
a=sendonly
m=video 4002 RTP/AVP 34
c=IN IP4 192.0.2.10
a=rtpmap:34 H263/90000
a=inactive
)");
    std::string input = readCorpusFile("hold.sdp");
    EXPECT_EQ(rewrite(input), expected);
    // Explicit directions are not "original sendrecv" and must survive the option.
    WriteOptions options;
    options.originalSendrecv = true;
    EXPECT_EQ(rewrite(input, options), expected);
}

TEST(SdpWriter, OriginalSendrecvSuppressesOnlyTheImpliedDirection) {
    std::string input =
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
        "m=audio 4000 RTP/AVP 8\nm=audio 4002 RTP/AVP 8\na=sendrecv\n";
    WriteOptions options;
    options.originalSendrecv = true;
    EXPECT_EQ(rewrite(input, options), crlf(R"(v=0
o=- 1 1 IN IP4 192.0.2.1
s=-
t=0 0
m=audio 4000 RTP/AVP 8
c=IN IP4 192.0.2.1
a=rtpmap:8 PCMA/8000
m=audio 4002 RTP/AVP 8
c=IN IP4 192.0.2.1
a=rtpmap:8 PCMA/8000
a=sendrecv
)"));
}

TEST(SdpWriter, Ipv6AndEmptySessionName) {
    EXPECT_EQ(rewrite(readCorpusFile("ipv6.sdp")), crlf(R"(v=0
o=- 7 7 IN IP6 2001:db8::1
s= 
t=0 0
m=audio 5000 RTP/AVP 8 101
c=IN IP6 2001:db8::1
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=sendrecv
)"));
}

TEST(SdpWriter, Rfc3605RtcpAttributeShortAndFull) {
    EXPECT_EQ(rewrite(readCorpusFile("rfc3605.sdp")), crlf(R"(v=0
o=- 1 1 IN IP4 126.16.64.4
s=-
t=0 0
m=audio 49170 RTP/AVP 0
c=IN IP4 126.16.64.4
a=rtpmap:0 PCMU/8000
a=sendrecv
a=rtcp:53020 IN IP4 126.16.64.4
m=audio 49172 RTP/AVP 0
c=IN IP4 126.16.64.4
a=rtpmap:0 PCMU/8000
a=sendrecv
a=rtcp:53021
)"));
}

TEST(SdpWriter, UnknownAttributesPassThroughInOrder) {
    EXPECT_EQ(rewrite(readCorpusFile("unknown_attrs.sdp")), crlf(R"(v=0
o=- 9 9 IN IP4 192.0.2.30
s=-
t=0 0
a=X-session-thing:1
m=audio 6000 RTP/AVP 0
c=IN IP4 192.0.2.30
a=rtpmap:0 PCMU/8000
a=X-custom:1
a=rtcp-rsize
a=foo
a=foo:
a=bar:baz qux
a=ssrc:1 cname:x
a=sendrecv
)"));
}

TEST(SdpWriter, SdesCryptoAndPtimeAfterDirection) {
    EXPECT_EQ(rewrite(readCorpusFile("srtp_sdes.sdp")), crlf(R"(v=0
o=- 11 11 IN IP4 203.0.113.7
s=-
t=0 0
m=audio 7000 RTP/SAVP 0 101
c=IN IP4 203.0.113.7
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=sendrecv
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4
a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32
a=ptime:20
a=maxptime:40
)"));
}

TEST(SdpWriter, AllSessionLineTypesMulticastAndPortCount) {
    EXPECT_EQ(rewrite(readCorpusFile("rfc_seminar.sdp")), crlf(R"(v=0
o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5
s=SDP Seminar
i=A Seminar on the session description protocol
u=http://www.example.com/seminars/sdp.pdf
e=j.doe@example.com (Jane Doe)
p=+1 617 555-6011
b=CT:128
t=2873397496 2873404696
r=7d 1h 0 25h
z=2882844526 -1h 2898848070 0
k=clear:secret
a=tool:sdpgen
m=audio 49170 RTP/AVP 0
i=Voice
c=IN IP4 224.2.17.12/127
k=prompt
a=rtpmap:0 PCMU/8000
a=recvonly
m=video 51372/2 RTP/AVP 99
c=IN IP4 224.2.17.13/127/2
a=rtpmap:99 h263-1998/90000
a=recvonly
)"));
}

TEST(SdpWriter, DataChannelKeepsSessionIceLiteAndEndOfCandidates) {
    EXPECT_EQ(rewrite(readCorpusFile("datachannel.sdp")), crlf(R"(v=0
o=- 12 2 IN IP4 127.0.0.1
s=-
t=0 0
a=ice-lite
m=application 9 UDP/DTLS/SCTP webrtc-datachannel
c=IN IP4 0.0.0.0
a=mid:2
a=sctp-port:5000
a=max-message-size:262144
a=sendrecv
a=setup:passive
a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99
a=ice-ufrag:abcd
a=ice-pwd:0123456789abcdef012345
a=candidate:1 1 UDP 2130706431 198.51.100.9 9000 typ host
a=end-of-candidates
)"));
}

TEST(SdpWriter, MinimalBodyWithoutFinalNewlineGetsDefaultTiming) {
    EXPECT_EQ(rewrite(readCorpusFile("minimal_no_newline.sdp")),
              crlf("v=0\no=- 0 0 IN IP4 0.0.0.0\ns= \nt=0 0\n"));
}

TEST(SdpWriter, TrailingBlanksAndBlankLinesAreIgnored) {
    std::string input =
        "v=0 \r\no=- 1 1 IN IP4 192.0.2.1\t\r\n\r\ns=-\r\nt=0 0\r\n"
        "m=audio 4000 RTP/AVP 8 \r\nc=IN IP4 192.0.2.1  \r\na=fmtp:8 \r\n\r\n\r\n";
    EXPECT_EQ(rewrite(input), crlf(R"(v=0
o=- 1 1 IN IP4 192.0.2.1
s=-
t=0 0
m=audio 4000 RTP/AVP 8
c=IN IP4 192.0.2.1
a=rtpmap:8 PCMA/8000
a=fmtp:8
a=sendrecv
)"));
}

TEST(SdpWriter, FullOrderOfTypedMediaAttributes) {
    // Deliberately scrambled input: the writer imposes rtpengine's order.
    std::string input = R"(v=0
o=- 1 1 IN IP4 192.0.2.1
s=-
t=0 0
m=audio 4000 RTP/SAVPF 96 0
a=end-of-candidates
a=candidate:c1
a=ice-options:trickle
a=ice-pwd:pwd
a=ice-ufrag:ufrag
a=ice-lite
a=maxptime:60
a=ptime:30
a=tls-id:tls
a=fingerprint:sha-1 00
a=setup:active
a=crypto:1 c
a=rtcp-mux
a=rtcp:4001
a=recvonly
a=x-other
a=extmap:1 e
a=rtcp-fb:* ccm
a=rtcp-fb:96 nack
a=fmtp:96 a=b
a=rtpmap:96 opus/48000/2
a=bundle-only
a=label:lab
a=mid:m
c=IN IP4 192.0.2.1
b=TIAS:64000
i=info
)";
    EXPECT_EQ(rewrite(input), crlf(R"(v=0
o=- 1 1 IN IP4 192.0.2.1
s=-
t=0 0
m=audio 4000 RTP/SAVPF 96 0
i=info
c=IN IP4 192.0.2.1
b=TIAS:64000
a=mid:m
a=label:lab
a=bundle-only
a=rtpmap:96 opus/48000/2
a=fmtp:96 a=b
a=rtcp-fb:96 nack
a=rtpmap:0 PCMU/8000
a=rtcp-fb:* ccm
a=extmap:1 e
a=x-other
a=recvonly
a=rtcp-mux
a=crypto:1 c
a=setup:active
a=fingerprint:sha-1 00
a=tls-id:tls
a=ptime:30
a=maxptime:60
a=ice-lite
a=ice-ufrag:ufrag
a=ice-pwd:pwd
a=ice-options:trickle
a=candidate:c1
a=end-of-candidates
)"));
}

TEST(SdpWriter, DuplicateSingleValuedAttributesKeepTheFirst) {
    std::string input =
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\n"
        "m=audio 4000 RTP/AVP 8 8\na=setup:active\na=setup:passive\n"
        "a=sendonly\na=recvonly\na=ptime:20\na=ptime:30\na=rtcp:5\na=rtcp:6\n";
    EXPECT_EQ(rewrite(input), crlf(R"(v=0
o=- 1 1 IN IP4 192.0.2.1
s=-
t=0 0
m=audio 4000 RTP/AVP 8 8
c=IN IP4 192.0.2.1
a=rtpmap:8 PCMA/8000
a=sendonly
a=rtcp:5
a=setup:active
a=ptime:20
)"));
}

TEST(SdpWriter, MalformedTypedAttributesPassThroughVerbatim) {
    std::string input =
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\n"
        "m=audio 4000 RTP/AVP 8 96\na=rtpmap:96 opus\na=ptime:20.5\n"
        "a=rtcp:99999\na=rtcp:5 IN IP4 ::1\na=rtcp-mux:yes\na=mid\n"
        "a=fmtp: 96 x\na=rtpmap:08 PCMA/8000\n";
    EXPECT_EQ(rewrite(input), crlf(R"(v=0
o=- 1 1 IN IP4 192.0.2.1
s=-
t=0 0
m=audio 4000 RTP/AVP 8 96
c=IN IP4 192.0.2.1
a=rtpmap:8 PCMA/8000
a=rtpmap:96 opus
a=ptime:20.5
a=rtcp:99999
a=rtcp:5 IN IP4 ::1
a=rtcp-mux:yes
a=mid
a=fmtp: 96 x
a=rtpmap:08 PCMA/8000
a=sendrecv
)"));
}

TEST(SdpWriter, CodecLinesForUnlistedFormatsAreDropped) {
    std::string input =
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\n"
        "m=audio 4000 RTP/AVP 8\na=rtpmap:96 opus/48000/2\na=fmtp:96 x=1\n"
        "a=rtcp-fb:96 nack\n";
    EXPECT_EQ(rewrite(input), crlf(R"(v=0
o=- 1 1 IN IP4 192.0.2.1
s=-
t=0 0
m=audio 4000 RTP/AVP 8
c=IN IP4 192.0.2.1
a=rtpmap:8 PCMA/8000
a=sendrecv
)"));
}

TEST(SdpWriter, MediaWithoutAnyConnectionGetsNoCLine) {
    EXPECT_EQ(rewrite("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nm=audio 4000 RTP/AVP 8\n"),
              crlf("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 8\n"
                   "a=rtpmap:8 PCMA/8000\na=sendrecv\n"));
}

// write(parse(write(parse(x)))) == write(parse(x)) for every seed the fuzzer starts from.
TEST(SdpWriter, RewriteIsIdempotentOnTheWholeCorpus) {
    size_t checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(RTPRELAY_SOURCE_DIR) +
                                                                 "/tests/fuzz/corpus/sdp")) {
        std::string input = readCorpusFile(entry.path().filename().string());
        SCOPED_TRACE(entry.path().filename().string());
        for (bool originalSendrecv : {false, true}) {
            for (bool rtcpWithMux : {false, true}) {
                WriteOptions options{originalSendrecv, rtcpWithMux};
                std::string once = rewrite(input, options);
                EXPECT_EQ(rewrite(once, options), once);
            }
        }
        ++checked;
    }
    EXPECT_GE(checked, 12u);
}

}  // namespace
}  // namespace rtprelay::sdp
