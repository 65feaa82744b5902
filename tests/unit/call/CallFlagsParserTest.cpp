#include "call/CallFlagsParser.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace rtprelay::call {
namespace {

using control::NgError;
using control::NgRequest;
using control::bencode::Dict;
using control::bencode::List;
using control::bencode::Value;
using Strings = std::vector<std::string>;

const net::Endpoint peer(*net::IpAddress::parse("192.0.2.1"), 5060);

CallFlags parse(const Value& dict, const std::string& command = "offer") {
    NgRequest request(dict, command, peer);
    return parseCallFlags(request);
}

CallFlags parseRtpp(const std::string& rtppFlags) {
    return parse(Value(Dict{{"call-id", "c1"}, {"rtpp-flags", Value(rtppFlags)}}));
}

// "ng request.key must throw, and the message must name the key".
void expectThrowNaming(const Value& dict, const std::string& key) {
    try {
        parse(dict);
        FAIL() << "no exception for key " << key;
    } catch (const NgError& e) {
        EXPECT_NE(std::string(e.what()).find("'" + key + "'"), std::string::npos) << e.what();
    }
}

const char* const sdpBody = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\n";

// ---- What the proxies send ----

TEST(CallFlagsParser, KamailioClassicOffer) {
    Value request(Dict{
        {"sdp", sdpBody},
        {"call-id", "c1"},
        {"from-tag", "ft"},
        {"command", "offer"},
        {"supports", List{"load limit"}},
        {"flags", List{"trust-address"}},
        {"replace", List{"origin", "session-connection"}},
        {"ICE", "remove"},
        {"received-from", List{"IP4", "192.0.2.1"}},
        {"sip-message-type", "sip_request"},
        {"transport-protocol", "RTP/AVP"},
        {"direction", List{"pub", "priv"}},
    });
    CallFlags f = parse(request);
    EXPECT_EQ(f.sdp, sdpBody);
    EXPECT_EQ(f.callId, "c1");
    EXPECT_EQ(f.fromTag, "ft");
    EXPECT_TRUE(f.toTag.empty());
    EXPECT_TRUE(f.supportsLoadLimit);
    EXPECT_TRUE(f.hasFlag("trust-address"));
    EXPECT_TRUE(f.trustAddress);
    EXPECT_FALSE(f.sipSourceAddress);
    EXPECT_EQ(f.replace, (std::set<std::string>{"origin", "session-connection"}));
    EXPECT_EQ(f.ice, IceMode::remove);
    EXPECT_EQ(f.receivedFrom, "192.0.2.1");
    EXPECT_EQ(f.transportProtocol, "RTP/AVP");
    EXPECT_EQ(f.direction, (Strings{"pub", "priv"}));
    EXPECT_TRUE(f.unknown.empty());
}

TEST(CallFlagsParser, KamailioClassicAnswerWithToTagAndVia) {
    Value request(Dict{
        {"supports", List{"load limit"}},
        {"sdp", sdpBody},
        {"call-id", "c1"},
        {"from-tag", "ft"},
        {"to-tag", "tt"},
        {"via-branch", "z9hG4bK1"},
        {"command", "answer"},
        {"sip-message-type", "sip_reply"},
        {"flags", List{"trust-address", "port-latching"}},
        {"received-from", List{"IP6", "2001:db8::1"}},
        {"label", "callee"},
        {"address-family", "IP6"},
    });
    CallFlags f = parse(request, "answer");
    EXPECT_EQ(f.toTag, "tt");
    EXPECT_EQ(f.viaBranch, "z9hG4bK1");
    EXPECT_TRUE(f.portLatching);
    EXPECT_EQ(f.receivedFrom, "2001:db8::1");
    EXPECT_EQ(f.label, "callee");
    EXPECT_EQ(f.addressFamily, AddressFamilyChoice::ipv6);
    EXPECT_FALSE(f.toTagFlag);  // the to-tag key alone does not make delete honour it
    EXPECT_TRUE(f.unknown.empty());
}

TEST(CallFlagsParser, OpenSipsOffer) {
    Value request(Dict{
        {"sdp", sdpBody},
        {"call-id", "c2"},
        {"received-from", List{"IP4", "198.51.100.7"}},
        {"from-tag", "ft"},
        {"command", "offer"},
        {"flags", List{"codec-strip-PCMA", "SIP-source-address", "symmetric", "rtcp-mux-demux"}},
        {"replace", List{"origin", "username", "SDP-version", "zero-address", "session-name",
                         "session-connection"}},
        {"rtcp-mux", List{"offer", "accept"}},
        {"direction", List{"internal", "external"}},
        {"address family", "IP4"},
        {"delete-delay", 30},
        {"repacketize", 20},
    });
    CallFlags f = parse(request);
    EXPECT_EQ(f.callId, "c2");
    EXPECT_EQ(f.codecStrip, Strings{"PCMA"});
    EXPECT_TRUE(f.sipSourceAddress);
    EXPECT_FALSE(f.trustAddress);
    EXPECT_TRUE(f.symmetric);
    EXPECT_EQ(f.rtcpMux, (std::set<std::string>{"offer", "accept", "demux"}));
    EXPECT_EQ(f.replace, (std::set<std::string>{"origin", "username", "sdp-version", "zero-address",
                                                "session-name", "session-connection"}));
    EXPECT_EQ(f.direction, (Strings{"internal", "external"}));
    EXPECT_EQ(f.addressFamily, AddressFamilyChoice::ipv4);
    EXPECT_EQ(f.deleteDelay, 30);
    EXPECT_EQ(f.receivedFrom, "198.51.100.7");
    EXPECT_TRUE(f.hasFlag("codec-strip-PCMA"));
    EXPECT_TRUE(f.hasFlag("rtcp-mux-demux"));
    EXPECT_TRUE(f.unknown.empty());
}

TEST(CallFlagsParser, OpenSipsDeleteWithCallIdOnly) {
    CallFlags f = parse(Value(Dict{{"call-id", "c3"}, {"command", "delete"}}), "delete");
    EXPECT_EQ(f.callId, "c3");
    EXPECT_TRUE(f.fromTag.empty());
    EXPECT_TRUE(f.toTag.empty());
    EXPECT_FALSE(f.sdp.has_value());
    EXPECT_FALSE(f.deleteDelay.has_value());
    EXPECT_TRUE(f.flags.empty());
    EXPECT_TRUE(f.unknown.empty());
    EXPECT_TRUE(f.trustAddress);
}

TEST(CallFlagsParser, DeleteWithToTagFlagAndDelay) {
    Value request(Dict{{"call-id", "c"},
                       {"from-tag", "ft"},
                       {"to-tag", "tt"},
                       {"flags", List{"to-tag", "fatal", "discard-recording"}},
                       {"delete delay", 0}});
    CallFlags f = parse(request, "delete");
    EXPECT_TRUE(f.toTagFlag);
    EXPECT_TRUE(f.fatal);
    EXPECT_TRUE(f.discardRecording);
    EXPECT_EQ(f.deleteDelay, 0);
}

TEST(CallFlagsParser, KamailioTwoArgumentRtppFlags) {
    Value request(Dict{
        {"supports", List{"load limit"}},
        {"sdp", sdpBody},
        {"call-id", "c4"},
        {"from-tag", "ft"},
        {"command", "offer"},
        {"rtpp-flags",
         "replace-origin replace-session-connection ICE=remove RTP/AVP "
         "direction=pub direction=priv via-branch=z9hG4bK1 codec-strip=PCMA "
         "to-tag=tt"},
    });
    CallFlags f = parse(request);
    EXPECT_EQ(f.callId, "c4");
    EXPECT_EQ(f.fromTag, "ft");
    EXPECT_EQ(f.replace, (std::set<std::string>{"origin", "session-connection"}));
    EXPECT_EQ(f.ice, IceMode::remove);
    EXPECT_EQ(f.transportProtocol, "RTP/AVP");
    EXPECT_EQ(f.direction, (Strings{"pub", "priv"}));
    EXPECT_EQ(f.viaBranch, "z9hG4bK1");
    EXPECT_EQ(f.codecStrip, Strings{"PCMA"});
    EXPECT_EQ(f.toTag, "tt");
    EXPECT_TRUE(f.toTagFlag);
    EXPECT_TRUE(f.hasFlag("to-tag"));
    EXPECT_TRUE(f.hasFlag("replace-origin"));
    EXPECT_TRUE(f.unknown.empty());
}

// ---- rtpp-flags grammar ----

TEST(CallFlagsParser, RtppFlagsTransportBitsCombine) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"RTP AVP", "RTP/AVP"},
        {"AVP RTP", "RTP/AVP"},
        {"SRTP AVP", "RTP/SAVP"},
        {"RTP AVPF", "RTP/AVPF"},
        {"AVPF", "RTP/AVPF"},
        {"SRTP AVPF", "RTP/SAVPF"},
        {"DTLS SRTP AVPF", "UDP/TLS/RTP/SAVPF"},
        {"DTLS AVP", "UDP/TLS/RTP/SAVP"},
        {"RTP/SAVPF", "RTP/SAVPF"},
        {"UDP/TLS/RTP/SAVPF", "UDP/TLS/RTP/SAVPF"},
        {"UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVP"},
        {"transport-protocol=RTP/AVPF", "RTP/AVPF"},
    };
    for (const auto& [text, protocol] : cases) {
        CallFlags f = parseRtpp(text);
        EXPECT_EQ(f.transportProtocol, protocol) << text;
        EXPECT_TRUE(f.unknown.empty()) << text;
        EXPECT_TRUE(f.flags.empty()) << text;
    }
}

TEST(CallFlagsParser, RtppFlagsInternalExternalFillDirection) {
    EXPECT_EQ(parseRtpp("internal external").direction, (Strings{"internal", "external"}));
    EXPECT_EQ(parseRtpp("direction=a direction=b").direction, (Strings{"a", "b"}));
}

TEST(CallFlagsParser, RtppFlagsIdentityKeys) {
    CallFlags f = parse(
        Value(Dict{{"rtpp-flags", "call-id=c9 from-tag=f9 to-tag=t9 via-branch=z9 label=caller"}}));
    EXPECT_EQ(f.callId, "c9");
    EXPECT_EQ(f.fromTag, "f9");
    EXPECT_EQ(f.toTag, "t9");
    EXPECT_EQ(f.viaBranch, "z9");
    EXPECT_EQ(f.label, "caller");
    EXPECT_TRUE(f.toTagFlag);
    EXPECT_TRUE(f.hasFlag("directional"));  // from-tag=X implies it
    EXPECT_TRUE(f.unknown.empty());
}

TEST(CallFlagsParser, RtppFlagsCodecShortcuts) {
    CallFlags f = parseRtpp(
        "codec-mask=all codec-transcode=PCMU transcode=G722 codec-offer=opus codec-except=PCMA "
        "codec-accept=G729 codec-set=opus/48000/2/useinbandfec--1 codec-strip=PCMA,GSM "
        "codec-consume=AMR codec-ignore=iLBC");
    EXPECT_EQ(f.codecMask, Strings{"all"});
    EXPECT_EQ(f.codecTranscode, (Strings{"PCMU", "G722"}));
    EXPECT_EQ(f.codecOffer, Strings{"opus"});
    EXPECT_EQ(f.codecExcept, Strings{"PCMA"});
    EXPECT_EQ(f.codecAccept, Strings{"G729"});
    EXPECT_EQ(f.codecSet, Strings{"opus/48000/2/useinbandfec=1"});
    EXPECT_EQ(f.codecStrip, (Strings{"PCMA", "GSM"}));
    EXPECT_EQ(f.codecConsume, Strings{"AMR"});
    EXPECT_EQ(f.codecIgnore, Strings{"iLBC"});
    EXPECT_TRUE(f.unknown.empty());
}

TEST(CallFlagsParser, RtppFlagsBracketedListsAndDicts) {
    CallFlags f = parseRtpp(
        "replace=[origin username] rtcp-mux=[offer require] "
        "codec=[strip=[PCMA G722] offer=opus] SDES-off TOS=184 delete-delay=15 "
        "address-family=IP6 media-address=203.0.113.5 received-from=[IP4 198.51.100.1]");
    EXPECT_EQ(f.replace, (std::set<std::string>{"origin", "username"}));
    EXPECT_EQ(f.rtcpMux, (std::set<std::string>{"offer", "require"}));
    EXPECT_EQ(f.codecStrip, (Strings{"PCMA", "G722"}));
    EXPECT_EQ(f.codecOffer, Strings{"opus"});
    EXPECT_EQ(f.sdes, Strings{"off"});
    EXPECT_EQ(f.tos, 184);
    EXPECT_EQ(f.deleteDelay, 15);
    EXPECT_EQ(f.addressFamily, AddressFamilyChoice::ipv6);
    EXPECT_EQ(f.mediaAddress, "203.0.113.5");
    EXPECT_EQ(f.receivedFrom, "198.51.100.1");
    EXPECT_TRUE(f.unknown.empty()) << f.unknown.front();
}

TEST(CallFlagsParser, RtppFlagsExtraSpacesAreIgnored) {
    CallFlags f = parseRtpp("  trust-address   ICE=force\tfast ");
    EXPECT_TRUE(f.hasFlag("trust-address"));
    EXPECT_TRUE(f.fast);
    EXPECT_EQ(f.ice, IceMode::force);
    EXPECT_TRUE(f.unknown.empty());
}

TEST(CallFlagsParser, RtppFlagsSyntaxErrorsAreOnlyRecorded) {
    CallFlags f = parseRtpp("replace=[origin");
    EXPECT_TRUE(f.replace.empty());
    EXPECT_EQ(f.unknown, Strings{"rtpp-flags syntax 'replace=[origin'"});

    f = parseRtpp("=x fast");
    EXPECT_TRUE(f.fast);
    EXPECT_EQ(f.unknown, Strings{"rtpp-flags token '=x'"});

    f = parseRtpp(std::string(200, '['));
    EXPECT_EQ(f.unknown.size(), 1u);
}

TEST(CallFlagsParser, RtppFlagsUnknownKeysAndFlags) {
    CallFlags f = parseRtpp("bogus=1 no-such-flag out-interface=x");
    EXPECT_EQ(f.unknown, (Strings{"key 'bogus'", "flag 'no-such-flag'", "key 'out-interface'"}));
}

TEST(CallFlagsParser, RtppFlagsCombineWithDictionaryKeys) {
    Value request(Dict{{"call-id", "c"},
                       {"flags", List{"trust-address"}},
                       {"rtpp-flags", "strict-source ICE=force"},
                       {"replace", List{"origin"}}});
    CallFlags f = parse(request);
    EXPECT_TRUE(f.hasFlag("trust-address"));
    EXPECT_TRUE(f.strictSource);
    EXPECT_EQ(f.ice, IceMode::force);
    EXPECT_EQ(f.replace, std::set<std::string>{"origin"});
}

TEST(CallFlagsParser, RtppFlagsAlias) {
    CallFlags f = parse(Value(Dict{{"rtpp_flags", "media-handover"}}));
    EXPECT_TRUE(f.mediaHandover);
}

TEST(CallFlagsParser, NestedRtppFlagsAreNotFollowed) {
    CallFlags f = parseRtpp("rtpp-flags=fast");
    EXPECT_FALSE(f.fast);
    EXPECT_EQ(f.unknown, Strings{"key 'rtpp-flags'"});
}

// ---- Value forms ----

TEST(CallFlagsParser, CommaSeparatedStringsForLists) {
    Value request(Dict{
        {"flags", "trust-address,strict-source,codec-strip-PCMU"},
        {"replace", "origin,session-name"},
        {"rtcp-mux", "offer,require"},
        {"supports", "load limit"},
        {"direction", "pub,priv"},
        {"codec", Dict{{"strip", "PCMA,G722"}, {"offer", List{"opus", "PCMU"}}}},
        {"SDES", "off"},
        {"from-tags", "a,b"},
        {"ICE", "force"},
    });
    CallFlags f = parse(request);
    EXPECT_TRUE(f.hasFlag("trust-address"));
    EXPECT_TRUE(f.strictSource);
    EXPECT_EQ(f.replace, (std::set<std::string>{"origin", "session-name"}));
    EXPECT_EQ(f.rtcpMux, (std::set<std::string>{"offer", "require"}));
    EXPECT_TRUE(f.supportsLoadLimit);
    EXPECT_EQ(f.direction, (Strings{"pub", "priv"}));
    EXPECT_EQ(f.codecStrip, (Strings{"PCMU", "PCMA", "G722"}));
    EXPECT_EQ(f.codecOffer, (Strings{"opus", "PCMU"}));
    EXPECT_EQ(f.sdes, Strings{"off"});
    EXPECT_EQ(f.fromTags, (Strings{"a", "b"}));
    EXPECT_EQ(f.ice, IceMode::force);
    EXPECT_TRUE(f.unknown.empty());
}

TEST(CallFlagsParser, StringNumbers) {
    CallFlags f = parse(Value(Dict{{"delete delay", "30"}, {"TOS", "184"}, {"limit", "5"}}));
    EXPECT_EQ(f.deleteDelay, 30);
    EXPECT_EQ(f.tos, 184);
    EXPECT_EQ(f.limit, 5);
    EXPECT_EQ(parse(Value(Dict{{"delete-delay", "-1"}})).deleteDelay, -1);
}

TEST(CallFlagsParser, TosOutOfRangeIsLeftUnset) {
    EXPECT_FALSE(parse(Value(Dict{{"TOS", -1}})).tos.has_value());
    EXPECT_FALSE(parse(Value(Dict{{"TOS", 256}})).tos.has_value());
    EXPECT_EQ(parse(Value(Dict{{"tos", 0}})).tos, 0);
    EXPECT_EQ(parse(Value(Dict{{"tos", 255}})).tos, 255);
}

TEST(CallFlagsParser, ReceivedFromForms) {
    EXPECT_EQ(parse(Value(Dict{{"received from", "192.0.2.9"}})).receivedFrom, "192.0.2.9");
    EXPECT_EQ(parse(Value(Dict{{"received-from", "IP6,2001:db8::9"}})).receivedFrom, "2001:db8::9");
    EXPECT_EQ(parse(Value(Dict{{"received-from", List{"2001:db8::8"}}})).receivedFrom,
              "2001:db8::8");
    EXPECT_FALSE(parse(Value(Dict{{"received-from", List{}}})).receivedFrom.has_value());
}

TEST(CallFlagsParser, IntegerIdentityValuesBecomeText) {
    // NgRequest's reading: harmless for tags, and what rtpengine's JSON path does too.
    EXPECT_EQ(parse(Value(Dict{{"call-id", 12345}})).callId, "12345");
}

TEST(CallFlagsParser, DuplicateKeysFirstWins) {
    Dict d{{"call-id", "first"},
           {"call-id", "second"},
           {"flags", List{"fast"}},
           {"flags", List{"fatal"}}};
    CallFlags f = parse(Value(d));
    EXPECT_EQ(f.callId, "first");
    EXPECT_TRUE(f.fast);
    EXPECT_FALSE(f.fatal);
}

// ---- Aliases ----

TEST(CallFlagsParser, KeyAliases) {
    for (const char* k : {"call-id", "call-ID", "call id", "call ID"}) {
        EXPECT_EQ(parse(Value(Dict{{k, "x"}})).callId, "x") << k;
    }
    for (const char* k : {"to-tag", "to_tag", "to tag"}) {
        EXPECT_EQ(parse(Value(Dict{{k, "x"}})).toTag, "x") << k;
    }
    for (const char* k : {"label", "from-label"}) {
        EXPECT_EQ(parse(Value(Dict{{k, "x"}})).label, "x") << k;
    }
    for (const char* k : {"sdp", "SDP"}) {
        EXPECT_EQ(parse(Value(Dict{{k, "x"}})).sdp, "x") << k;
    }
    for (const char* k : {"received from", "received-from"}) {
        EXPECT_EQ(parse(Value(Dict{{k, List{"IP4", "x"}}})).receivedFrom, "x") << k;
    }
    for (const char* k : {"media address", "media-address"}) {
        EXPECT_EQ(parse(Value(Dict{{k, "x"}})).mediaAddress, "x") << k;
    }
    for (const char* k : {"address family", "address-family"}) {
        EXPECT_EQ(parse(Value(Dict{{k, "IP6"}})).addressFamily, AddressFamilyChoice::ipv6) << k;
    }
    for (const char* k : {"transport protocol", "transport-protocol"}) {
        EXPECT_EQ(parse(Value(Dict{{k, "RTP/SAVP"}})).transportProtocol, "RTP/SAVP") << k;
    }
    for (const char* k : {"delete delay", "delete-delay", "delete_delay"}) {
        EXPECT_EQ(parse(Value(Dict{{k, 7}})).deleteDelay, 7) << k;
    }
    for (const char* k : {"TOS", "tos"}) {
        EXPECT_EQ(parse(Value(Dict{{k, 46}})).tos, 46) << k;
    }
    for (const char* k : {"interface", "from-interface"}) {
        EXPECT_EQ(parse(Value(Dict{{k, "pub"}})).interface, "pub") << k;
    }
    for (const char* k : {"codec", "codecs"}) {
        EXPECT_EQ(parse(Value(Dict{{k, Dict{{"mask", List{"all"}}}}})).codecMask, Strings{"all"})
            << k;
    }
    EXPECT_EQ(parse(Value(Dict{{"to-interface", "priv"}})).toInterface, "priv");
    EXPECT_EQ(parse(Value(Dict{{"via-branch", "z"}})).viaBranch, "z");
    EXPECT_EQ(parse(Value(Dict{{"limit", 10}})).limit, 10);
    EXPECT_EQ(parse(Value(Dict{{"endpoint-learning", "delayed"}})).endpointLearning, "delayed");
}

TEST(CallFlagsParser, FlagSpellingsNormaliseToDashForm) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"trust address", "trust-address"},
        {"SIP source address", "SIP-source-address"},
        {"strict source", "strict-source"},
        {"media handover", "media-handover"},
        {"original sendrecv", "original-sendrecv"},
        {"port latching", "port-latching"},
        {"no port latching", "no-port-latching"},
        {"no rtcp attribute", "no-rtcp-attribute"},
        {"full rtcp attribute", "full-rtcp-attribute"},
        {"discard recording", "discard-recording"},
        {"loop protect", "loop-protect"},
        {"record call", "record-call"},
        {"generate mid", "generate-mid"},
        {"trickle ICE", "trickle-ICE"},
        {"single codec", "single-codec"},
        {"reuse codecs", "reuse-codecs"},
        {"no codec renegotiation", "reuse-codecs"},
        {"allow transcoding", "allow-transcoding"},
        {"always transcode", "always-transcode"},
        {"ICE reject", "reject-ICE"},
        {"reject ICE", "reject-ICE"},
        {"to-tag", "to-tag"},
        {"fatal", "fatal"},
        {"fast", "fast"},
        {"asymmetric", "asymmetric"},
        {"symmetric", "symmetric"},
        {"directional", "directional"},
        {"all", "all"},
        {"inactive", "inactive"},
        {"WebRTC", "WebRTC"},
        {"symmetric codecs", "symmetric-codecs"},
    };
    for (const auto& [given, stored] : cases) {
        CallFlags f = parse(Value(Dict{{"flags", List{Value(given)}}}));
        EXPECT_TRUE(f.hasFlag(stored)) << given;
        EXPECT_TRUE(f.unknown.empty()) << given;
    }
}

TEST(CallFlagsParser, FlagsSetTheirBools) {
    CallFlags f = parse(
        Value(Dict{{"flags", List{"asymmetric", "symmetric", "strict source", "media handover",
                                  "port latching", "no port latching", "original sendrecv",
                                  "no rtcp attribute", "full rtcp attribute", "to-tag", "fatal",
                                  "fast", "discard recording"}}}));
    EXPECT_TRUE(f.asymmetric);
    EXPECT_TRUE(f.symmetric);
    EXPECT_TRUE(f.strictSource);
    EXPECT_TRUE(f.mediaHandover);
    EXPECT_TRUE(f.portLatching);
    EXPECT_TRUE(f.noPortLatching);
    EXPECT_TRUE(f.originalSendrecv);
    EXPECT_TRUE(f.noRtcpAttribute);
    EXPECT_TRUE(f.fullRtcpAttribute);
    EXPECT_TRUE(f.toTagFlag);
    EXPECT_TRUE(f.fatal);
    EXPECT_TRUE(f.fast);
    EXPECT_TRUE(f.discardRecording);
    EXPECT_TRUE(f.unknown.empty());
}

TEST(CallFlagsParser, EveryListedFlagIsKnown) {
    List all;
    for (const char* flag : {"all",
                             "allow asymmetric codecs",
                             "allow no codec media",
                             "allow transcoding",
                             "force transcoding",
                             "always transcode",
                             "asymmetric",
                             "audio player",
                             "bidirectional",
                             "block DTMF",
                             "block egress",
                             "block short",
                             "debug",
                             "detect DTMF",
                             "directional",
                             "discard recording",
                             "early media",
                             "egress",
                             "exclude recording",
                             "fatal",
                             "fast",
                             "fragment",
                             "full rtcp attribute",
                             "generate mid",
                             "generate RTCP",
                             "reject ICE",
                             "ICE reject",
                             "inactive",
                             "inject DTMF",
                             "loop protect",
                             "media handover",
                             "RTCP mirror",
                             "mix",
                             "NAT wait",
                             "new branch",
                             "reuse codecs",
                             "no codec renegotiation",
                             "no passthrough",
                             "passthrough",
                             "no audio player",
                             "no port latching",
                             "port latching",
                             "no redis update",
                             "no rtcp attribute",
                             "no tls id",
                             "no jitter buffer",
                             "original sendrecv",
                             "pad crypto",
                             "pierce NAT",
                             "provisional",
                             "record call",
                             "recording VSC",
                             "recording announcement",
                             "recrypt",
                             "reset",
                             "single codec",
                             "SIP source address",
                             "SIPREC",
                             "skip recording db",
                             "static codecs",
                             "strict source",
                             "strip extmap",
                             "to-tag",
                             "trickle ICE",
                             "trust address",
                             "unidirectional",
                             "unsubscribe",
                             "WebRTC",
                             "asymmetric codecs",
                             "symmetric codecs",
                             "reorder codecs",
                             "symmetric"}) {
        all.emplace_back(flag);
    }
    CallFlags f = parse(Value(Dict{{"flags", all}}));
    EXPECT_TRUE(f.unknown.empty()) << f.unknown.front();
}

TEST(CallFlagsParser, PrefixFlags) {
    CallFlags f = parse(Value(Dict{{"flags", List{
                                                 "replace-origin",
                                                 "replace-SDP-version",
                                                 "rtcp-mux-offer",
                                                 "rtcp-mux-require",
                                                 "codec-strip-all",
                                                 "codec-except-PCMA",
                                                 "codec-mask-G722",
                                                 "codec-offer-opus",
                                                 "codec-accept-G729",
                                                 "codec-transcode-PCMU",
                                                 "transcode-GSM",
                                                 "codec-ignore-AMR",
                                                 "codec-consume-iLBC",
                                                 "codec-set-speex",
                                                 "endpoint-learning-immediate",
                                                 "SDES-no-AES_CM_128_HMAC_SHA1_32",
                                                 "SDES-off",
                                                 "OSRTP-offer",
                                                 "BUNDLE-accept",
                                                 "T38-decode",
                                                 "T.38-force",
                                                 "from-tags-abc",
                                                 "sdp-attr-add-audio-foo",
                                             }}}));
    EXPECT_EQ(f.replace, (std::set<std::string>{"origin", "sdp-version"}));
    EXPECT_EQ(f.rtcpMux, (std::set<std::string>{"offer", "require"}));
    EXPECT_EQ(f.codecStrip, Strings{"all"});
    EXPECT_EQ(f.codecExcept, Strings{"PCMA"});
    EXPECT_EQ(f.codecMask, Strings{"G722"});
    EXPECT_EQ(f.codecOffer, Strings{"opus"});
    EXPECT_EQ(f.codecAccept, Strings{"G729"});
    EXPECT_EQ(f.codecTranscode, (Strings{"PCMU", "GSM"}));
    EXPECT_EQ(f.codecIgnore, Strings{"AMR"});
    EXPECT_EQ(f.codecConsume, Strings{"iLBC"});
    EXPECT_EQ(f.codecSet, Strings{"speex"});
    EXPECT_EQ(f.endpointLearning, "immediate");
    EXPECT_EQ(f.sdes, (Strings{"no-AES_CM_128_HMAC_SHA1_32", "off"}));
    EXPECT_EQ(f.fromTags, Strings{"abc"});
    EXPECT_TRUE(f.hasFlag("T.38-force"));
    EXPECT_TRUE(f.hasFlag("sdp-attr-add-audio-foo"));
    EXPECT_TRUE(f.unknown.empty()) << f.unknown.front();
}

TEST(CallFlagsParser, FlagValuesAreUnescaped) {
    CallFlags f = parse(Value(Dict{{"flags", List{"codec-set-opus/48000/2/useinbandfec--1",
                                                  "from-tags-a..b", "codec-offer-x--y..z"}},
                                   {"codec", Dict{{"accept", List{"G722/8000..x--1"}}}}}));
    EXPECT_EQ(f.codecSet, Strings{"opus/48000/2/useinbandfec=1"});
    EXPECT_EQ(f.fromTags, Strings{"a b"});
    EXPECT_EQ(f.codecOffer, Strings{"x=y z"});
    EXPECT_EQ(f.codecAccept, Strings{"G722/8000 x=1"});
}

TEST(CallFlagsParser, FlagsAreCaseSensitive) {
    CallFlags f = parse(Value(Dict{{"flags", List{"webrtc", "Trust-Address"}}}));
    EXPECT_EQ(f.unknown, (Strings{"flag 'webrtc'", "flag 'Trust-Address'"}));
    EXPECT_EQ(f.ice, IceMode::unchanged);
    EXPECT_EQ(parse(Value(Dict{{"Call-ID", "x"}})).unknown, Strings{"key 'Call-ID'"});
}

// ---- Flag semantics ----

TEST(CallFlagsParser, WebRtcExpands) {
    CallFlags f = parse(Value(Dict{{"flags", List{"WebRTC"}}}));
    EXPECT_EQ(f.transportProtocol, "UDP/TLS/RTP/SAVPF");
    EXPECT_EQ(f.ice, IceMode::force);
    EXPECT_EQ(f.rtcpMux, (std::set<std::string>{"offer", "require"}));
    EXPECT_TRUE(f.noRtcpAttribute);
    EXPECT_TRUE(f.hasFlag("trickle-ICE"));
    EXPECT_TRUE(f.hasFlag("generate-mid"));
    EXPECT_EQ(f.sdes, Strings{"off"});
    EXPECT_TRUE(f.hasFlag("WebRTC"));
    EXPECT_TRUE(f.unknown.empty());
}

TEST(CallFlagsParser, WebRtcThroughRtppFlagsThenExplicitKeysOverride) {
    CallFlags f = parseRtpp("WebRTC ICE=remove");
    EXPECT_EQ(f.transportProtocol, "UDP/TLS/RTP/SAVPF");
    EXPECT_EQ(f.ice, IceMode::remove);
}

TEST(CallFlagsParser, TrustAddressDefaultsAndOverrides) {
    EXPECT_TRUE(parse(Value(Dict{})).trustAddress);

    CallFlags sip = parse(Value(Dict{{"flags", List{"SIP-source-address"}}}));
    EXPECT_FALSE(sip.trustAddress);
    EXPECT_TRUE(sip.sipSourceAddress);

    for (const auto& order : {List{"SIP source address", "trust address"},
                              List{"trust address", "SIP source address"}}) {
        CallFlags f = parse(Value(Dict{{"flags", order}}));
        EXPECT_TRUE(f.trustAddress);
        EXPECT_TRUE(f.sipSourceAddress);
    }
}

TEST(CallFlagsParser, AlwaysTranscodeAcceptsAll) {
    EXPECT_EQ(parse(Value(Dict{{"flags", List{"always-transcode"}}})).codecAccept, Strings{"all"});
}

TEST(CallFlagsParser, IceValues) {
    const std::vector<std::pair<std::string, IceMode>> cases{
        {"remove", IceMode::remove},          {"force", IceMode::force},
        {"default", IceMode::defaultMode},    {"optional", IceMode::optional},
        {"force-relay", IceMode::forceRelay}, {"force relay", IceMode::forceRelay},
        {"force_relay", IceMode::forceRelay},
    };
    for (const auto& [value, mode] : cases) {
        CallFlags f = parse(Value(Dict{{"ICE", Value(value)}}));
        EXPECT_EQ(f.ice, mode) << value;
        EXPECT_TRUE(f.unknown.empty()) << value;
    }
    CallFlags trickle = parse(Value(Dict{{"ICE", List{"force", "trickle", "lite"}}}));
    EXPECT_EQ(trickle.ice, IceMode::force);
    EXPECT_TRUE(trickle.hasFlag("trickle-ICE"));
    EXPECT_TRUE(trickle.unknown.empty());

    CallFlags bad = parse(Value(Dict{{"ICE", "sometimes"}}));
    EXPECT_EQ(bad.ice, IceMode::unchanged);
    EXPECT_EQ(bad.unknown, Strings{"ICE value 'sometimes'"});
}

TEST(CallFlagsParser, EndpointLearningValues) {
    for (const char* v : {"off", "immediate", "delayed", "heuristic"}) {
        EXPECT_EQ(parse(Value(Dict{{"endpoint-learning", v}})).endpointLearning, v);
    }
    CallFlags f = parse(Value(Dict{{"endpoint-learning", "eventually"}}));
    EXPECT_FALSE(f.endpointLearning.has_value());
    EXPECT_EQ(f.unknown, Strings{"endpoint-learning value 'eventually'"});
}

TEST(CallFlagsParser, ReplaceValues) {
    CallFlags f = parse(
        Value(Dict{{"replace", List{"origin", "origin full", "origin-full", "session-name",
                                    "SDP-version", "sdp-version", "username", "zero-address",
                                    "force-increment-sdp-ver", "session-connection", "bogus"}}}));
    EXPECT_EQ(f.replace, (std::set<std::string>{"origin", "origin-full", "session-name",
                                                "sdp-version", "username", "zero-address",
                                                "force-increment-sdp-ver", "session-connection"}));
    EXPECT_EQ(f.unknown, (Strings{"replace value 'bogus'"}));
}

// ---- Unknowns ----

TEST(CallFlagsParser, UnknownKeysFlagsAndValuesAreListedNotRejected) {
    Value request(Dict{
        {"call-id", "c"},
        {"out-interface", "x"},
        {"flags", List{"no-such-flag", "trust-address", "replace-everything"}},
        {"rtcp-mux", List{"offer", "sometimes"}},
        {"address family", "IP5"},
        {"transport-protocol", "RTP/XYZ"},
        {"supports", List{"load limit", "teleportation"}},
        {"codec", Dict{{"strip", List{"PCMA"}}, {"frobnicate", List{"x"}}}},
    });
    CallFlags f = parse(request);
    EXPECT_EQ(f.unknown, (Strings{
                             "key 'out-interface'",
                             "flag 'no-such-flag'",
                             "replace value 'everything'",
                             "rtcp-mux value 'sometimes'",
                             "address family value 'IP5'",
                             "transport protocol value 'RTP/XYZ'",
                             "supports value 'teleportation'",
                             "codec key 'frobnicate'",
                         }));
    EXPECT_EQ(f.rtcpMux, std::set<std::string>{"offer"});
    EXPECT_EQ(f.addressFamily, AddressFamilyChoice::unchanged);
    EXPECT_FALSE(f.transportProtocol.has_value());
    EXPECT_TRUE(f.supportsLoadLimit);
    EXPECT_EQ(f.codecStrip, Strings{"PCMA"});
    EXPECT_TRUE(f.hasFlag("no-such-flag"));  // every flag seen is kept
}

TEST(CallFlagsParser, KeysRtpengineKnowsAreSilent) {
    Dict d;
    for (const char* k : {"command",
                          "sip-message-type",
                          "sip-code",
                          "repacketize",
                          "metadata",
                          "record call",
                          "record-call",
                          "DTLS",
                          "OSRTP",
                          "T.38",
                          "ptime",
                          "ptime-reverse",
                          "template",
                          "instance",
                          "set-label",
                          "to-label",
                          "xmlrpc-callback",
                          "generate RTCP",
                          "media echo",
                          "media-echo",
                          "drop-traffic",
                          "alias-key",
                          "frequency",
                          "volume",
                          "code",
                          "duration",
                          "file",
                          "DTMF-security",
                          "trigger",
                          "passthrough",
                          "ICE-lite",
                          "DTLS-fingerprint",
                          "bundle",
                          "BUNDLE",
                          "extmap",
                          "sdp-attr",
                          "sdp-media-remove",
                          "moh",
                          "audio player",
                          "audio-player",
                          "recording-file",
                          "recording-dir",
                          "output-destination",
                          "vsc-start-rec",
                          "recording-media-slot-offer",
                          "all",
                          "peer",
                          "inbound-peer",
                          "outbound-peer",
                          "to-call-id",
                          "source-tag",
                          "source-call-id",
                          "calls",
                          "tags"}) {
        d.emplace_back(k, "x");
    }
    d.emplace_back("moh-dict", Dict{});  // and one that is not
    EXPECT_EQ(parse(Value(d)).unknown, Strings{"key 'moh-dict'"});
}

// ---- Wrong value types ----

TEST(CallFlagsParser, WrongTypesThrowNamingTheKey) {
    expectThrowNaming(Value(Dict{{"sdp", 42}}), "sdp");
    expectThrowNaming(Value(Dict{{"sdp", List{"v=0"}}}), "sdp");
    expectThrowNaming(Value(Dict{{"call-id", List{"c"}}}), "call-id");
    expectThrowNaming(Value(Dict{{"call ID", Dict{}}}), "call ID");
    expectThrowNaming(Value(Dict{{"from-tag", List{}}}), "from-tag");
    expectThrowNaming(Value(Dict{{"flags", 1}}), "flags");
    // Value(...) spelled out: clang reads List{List{...}} as a copy of the inner list.
    expectThrowNaming(Value(Dict{{"flags", List{Value(List{"x"})}}}), "flags");
    expectThrowNaming(Value(Dict{{"replace", Dict{}}}), "replace");
    expectThrowNaming(Value(Dict{{"delete-delay", "soon"}}), "delete-delay");
    expectThrowNaming(Value(Dict{{"TOS", List{}}}), "TOS");
    expectThrowNaming(Value(Dict{{"limit", "many"}}), "limit");
    expectThrowNaming(Value(Dict{{"received-from", 7}}), "received-from");
    expectThrowNaming(Value(Dict{{"codec", "strip"}}), "codec");
    expectThrowNaming(Value(Dict{{"codec", Dict{{"strip", 5}}}}), "codec");
    expectThrowNaming(Value(Dict{{"codec", Dict{{"strip", 5}}}}), "strip");
    expectThrowNaming(Value(Dict{{"rtpp-flags", List{"fast"}}}), "rtpp-flags");
    expectThrowNaming(Value(Dict{{"direction", 3}}), "direction");
    expectThrowNaming(Value(Dict{{"rtpp-flags", "sdp=[a b]"}}), "sdp");
}

TEST(CallFlagsParser, NonDictionaryRequestThrows) {
    Value notADict("x");
    NgRequest request(notADict, "offer", peer);
    EXPECT_THROW(parseCallFlags(request), NgError);
}

}  // namespace
}  // namespace rtprelay::call
