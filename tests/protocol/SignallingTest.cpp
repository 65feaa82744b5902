#include <gtest/gtest.h>

#include <thread>

#include "protocol/MediaPeer.h"
#include "protocol/SignallingFixture.h"

namespace rtprelay::test {
namespace {

using control::bencode::Value;
using namespace std::chrono_literals;

// What SIPp's uac scenario sends (session-level c=, no rtpmap for static types).
const std::string callerSdp =
    "v=0\r\n"
    "o=user1 53655765 2353687637 IN IP4 192.0.2.10\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.10\r\n"
    "t=0 0\r\n"
    "m=audio 6000 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n";

const std::string calleeSdp =
    "v=0\r\n"
    "o=user2 1234 5678 IN IP4 198.51.100.20\r\n"
    "s=-\r\n"
    "c=IN IP4 198.51.100.20\r\n"
    "t=0 0\r\n"
    "m=audio 7000 RTP/AVP 8 101\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=ptime:20\r\n";

class Signalling : public SignallingFixture {
protected:
    void SetUp() override { startDaemon(); }
};

TEST_F(Signalling, PlainCallOfferAndAnswerAreRewrittenToOurPorts) {
    Value o = request(offer("call-1", "tag-a", callerSdp));
    EXPECT_EQ(resultOf(o), "ok") << errorReasonOf(o);
    expectSdp(sdpOf(o),
              "v=0\n"
              "o=user1 53655765 2353687637 IN IP4 192.0.2.10\n"
              "s=-\n"
              "t=0 0\n"
              "m=audio {P0} RTP/AVP 0 8 101\n"
              "c=IN IP4 127.0.0.1\n"
              "a=rtpmap:0 PCMU/8000\n"
              "a=rtpmap:8 PCMA/8000\n"
              "a=rtpmap:101 telephone-event/8000\n"
              "a=fmtp:101 0-15\n"
              "a=sendrecv\n"
              "a=rtcp:{P0+1}\n");

    Value a = request(answer("call-1", "tag-a", "tag-b", calleeSdp));
    EXPECT_EQ(resultOf(a), "ok") << errorReasonOf(a);
    expectSdp(sdpOf(a),
              "v=0\n"
              "o=user2 1234 5678 IN IP4 198.51.100.20\n"
              "s=-\n"
              "t=0 0\n"
              "m=audio {P0} RTP/AVP 8 101\n"
              "c=IN IP4 127.0.0.1\n"
              "a=rtpmap:8 PCMA/8000\n"
              "a=rtpmap:101 telephone-event/8000\n"
              "a=sendrecv\n"
              "a=rtcp:{P0+1}\n"
              "a=ptime:20\n");
    // The caller and the callee send to different local ports.
    EXPECT_NE(mediaPorts(sdpOf(o))[0], mediaPorts(sdpOf(a))[0]);

    Value list = request(command("list"));
    ASSERT_TRUE(list.find("calls"));
    ASSERT_EQ(list.find("calls")->items().size(), 1u);
    EXPECT_EQ(list.find("calls")->items()[0].str(), "call-1");
}

TEST_F(Signalling, ReInvitesKeepTheirPortsInBothDirections) {
    Value o1 = request(offer("call-2", "a", callerSdp));
    Value a1 = request(answer("call-2", "a", "b", calleeSdp));
    int towardsCallee = mediaPorts(sdpOf(o1))[0];
    int towardsCaller = mediaPorts(sdpOf(a1))[0];

    // Caller re-INVITE (new o= version, different codec order).
    std::string reoffer = std::regex_replace(callerSdp, std::regex("2353687637"), "2353687638");
    reoffer = std::regex_replace(reoffer, std::regex("RTP/AVP 0 8 101"), "RTP/AVP 8 0 101");
    Value o2 = request(offer("call-2", "a", reoffer));
    EXPECT_EQ(mediaPorts(sdpOf(o2))[0], towardsCallee);
    EXPECT_NE(sdpOf(o2).find("RTP/AVP 8 0 101"), std::string::npos);
    request(answer("call-2", "a", "b", calleeSdp));

    // Callee re-INVITE: tags swap, the caller receives the offer on its usual port.
    Value o3 = request(offer("call-2", "b", calleeSdp) /* from-tag b */);
    Value withTo = offer("call-2", "b", calleeSdp);
    withTo.set("to-tag", "a");
    Value o4 = request(withTo);
    EXPECT_EQ(resultOf(o4), "ok") << errorReasonOf(o4);
    EXPECT_EQ(mediaPorts(sdpOf(o4))[0], towardsCaller);
    Value a4 = request(answer("call-2", "b", "a", callerSdp));
    EXPECT_EQ(mediaPorts(sdpOf(a4))[0], towardsCallee);
    (void)o3;
}

TEST_F(Signalling, HoldAndResumeCarryTheDirection) {
    request(offer("call-3", "a", callerSdp));
    request(answer("call-3", "a", "b", calleeSdp));
    std::string hold = callerSdp + "a=sendonly\r\n";
    Value o = request(offer("call-3", "a", hold));
    std::string out = sdpOf(o);
    EXPECT_NE(out.find("a=sendonly\r\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("a=sendrecv"), std::string::npos) << out;
    Value q = request([&] {
        auto v = command("query");
        v.set("call-id", "call-3");
        return v;
    }());
    const Value* medias = q.find("tags")->find("a")->find("medias");
    ASSERT_TRUE(medias);
    const auto& flags = medias->items()[0].find("flags")->items();
    EXPECT_NE(std::find(flags.begin(), flags.end(), Value("send")), flags.end());
    EXPECT_EQ(std::find(flags.begin(), flags.end(), Value("recv")), flags.end());

    Value resume = request(offer("call-3", "a", callerSdp));
    EXPECT_NE(sdpOf(resume).find("a=sendrecv\r\n"), std::string::npos);
}

TEST_F(Signalling, ForkedCallsAreToldApartByViaBranch) {
    Value o1 = offer("call-4", "a", callerSdp);
    o1.set("via-branch", "z9hG4bK-1");
    Value o2 = offer("call-4", "a", callerSdp);
    o2.set("via-branch", "z9hG4bK-2");
    Value r1 = request(o1);
    Value r2 = request(o2);
    EXPECT_NE(mediaPorts(sdpOf(r1))[0], mediaPorts(sdpOf(r2))[0]);
    // The same branch again keeps its ports.
    EXPECT_EQ(mediaPorts(sdpOf(request(o2)))[0], mediaPorts(sdpOf(r2))[0]);

    Value a2 = answer("call-4", "a", "b2", calleeSdp);
    a2.set("via-branch", "z9hG4bK-2");
    Value ar = request(a2);
    EXPECT_EQ(resultOf(ar), "ok") << errorReasonOf(ar);

    // Drop the losing branch: the call lives on with the answered one.
    Value d = del("call-4");
    d.set("from-tag", "a");
    d.set("via-branch", "z9hG4bK-1");
    d.set("delete-delay", 0);
    Value dr = request(d);
    EXPECT_EQ(resultOf(dr), "ok");
    auto q = command("query");
    q.set("call-id", "call-4");
    Value qr = request(q);
    EXPECT_EQ(resultOf(qr), "ok");
    EXPECT_TRUE(qr.find("tags")->find("b2"));
    EXPECT_EQ(qr.find("tags")->entries().size(), 2u);
}

TEST_F(Signalling, DeleteByCallIdFromTagAndUnknownCall) {
    request(offer("call-5", "a", callerSdp));
    request(answer("call-5", "a", "b", calleeSdp));
    Value d = del("call-5");
    d.set("delete-delay", 0);
    Value r = request(d);
    EXPECT_EQ(resultOf(r), "ok");
    EXPECT_TRUE(r.find("created"));
    EXPECT_TRUE(r.find("totals")->find("RTP"));
    EXPECT_EQ(request(command("list")).find("calls")->items().size(), 0u);

    // Unknown call: ok with a warning (Kamailio treats errors as script failures) ...
    Value unknown = request(del("nope"));
    EXPECT_EQ(resultOf(unknown), "ok");
    EXPECT_EQ(unknown.find("warning")->str(), "Call-ID not found or tags didn't match");
    // ... unless `fatal`.
    Value fatal = del("nope");
    Value flags = Value::list();
    flags.push("fatal");
    fatal.set("flags", flags);
    EXPECT_EQ(errorReasonOf(request(fatal)), "Call-ID not found or tags didn't match");

    // From-tag delete of a two-party call removes the whole call.
    request(offer("call-6", "a", callerSdp));
    request(answer("call-6", "a", "b", calleeSdp));
    Value byTag = del("call-6");
    byTag.set("from-tag", "b");
    byTag.set("delete delay", "0");
    EXPECT_EQ(resultOf(request(byTag)), "ok");
    EXPECT_EQ(request(command("list")).find("calls")->items().size(), 0u);

    // to-tag is ignored without the `to-tag` flag (rtpengine).
    request(offer("call-7", "a", callerSdp));
    request(answer("call-7", "a", "b", calleeSdp));
    Value wrongTo = del("call-7");
    wrongTo.set("from-tag", "zzz");
    wrongTo.set("to-tag", "b");
    wrongTo.set("delete-delay", 0);
    EXPECT_EQ(request(wrongTo).find("warning")->str(), "Call-ID not found or tags didn't match");
    Value flagList = Value::list();
    flagList.push("to-tag");
    wrongTo.set("flags", flagList);
    Value ok = request(wrongTo);
    EXPECT_EQ(ok.find("warning"), nullptr);
    EXPECT_EQ(request(command("list")).find("calls")->items().size(), 0u);
}

TEST_F(Signalling, DeleteDelayKeepsTheCallUntilExpiryAndANewOfferCancelsIt) {
    request(offer("call-8", "a", callerSdp));
    request(answer("call-8", "a", "b", calleeSdp));
    Value d = del("call-8");
    d.set("delete-delay", 1);
    EXPECT_EQ(resultOf(request(d)), "ok");
    EXPECT_EQ(request(command("list")).find("calls")->items().size(), 1u);
    // A re-INVITE revives the call.
    request(offer("call-8", "a", callerSdp));
    std::this_thread::sleep_for(2500ms);
    EXPECT_EQ(request(command("list")).find("calls")->items().size(), 1u);

    request(d);
    std::this_thread::sleep_for(2500ms);
    EXPECT_EQ(request(command("list")).find("calls")->items().size(), 0u);
}

TEST_F(Signalling, QueryHasRtpenginesShape) {
    Value o = request(offer("call-9", "a", callerSdp));
    request(answer("call-9", "a", "b", calleeSdp));
    auto q = command("query");
    q.set("call-id", "call-9");
    Value r = request(q);
    EXPECT_EQ(resultOf(r), "ok");
    for (const char* key : {"created", "created_us", "last signal", "tags", "totals"}) {
        EXPECT_TRUE(r.find(key)) << key;
    }
    const Value* a = r.find("tags")->find("a");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->find("tag")->str(), "a");
    const Value& media = a->find("medias")->items().at(0);
    EXPECT_EQ(media.find("index")->integer(), 1);
    EXPECT_EQ(media.find("type")->str(), "audio");
    EXPECT_EQ(media.find("protocol")->str(), "RTP/AVP");
    EXPECT_EQ(media.find("codec")->str(), "PCMU/8000");
    const auto& streams = media.find("streams")->items();
    ASSERT_EQ(streams.size(), 2u);
    EXPECT_EQ(streams[0].find("endpoint")->find("address")->str(), "192.0.2.10");
    EXPECT_EQ(streams[0].find("endpoint")->find("port")->integer(), 6000);
    EXPECT_EQ(streams[1].find("endpoint")->find("port")->integer(), 6001);
    EXPECT_EQ(streams[0].find("family")->str(), "IPv4");
    EXPECT_TRUE(streams[0].find("stats")->find("packets"));
    // The callee's local port is the one advertised in the offer.
    const Value& bMedia = r.find("tags")->find("b")->find("medias")->items().at(0);
    EXPECT_EQ(bMedia.find("streams")->items()[0].find("local port")->integer(),
              mediaPorts(sdpOf(o))[0]);

    auto missing = command("query");
    missing.set("call-id", "nope");
    EXPECT_EQ(errorReasonOf(request(missing)), "Unknown call-id");
}

TEST_F(Signalling, KamailioAndOpenSipsRequestsWorkAsSent) {
    // Kamailio's module (classic flag parsing), with the flags of a typical config.
    Value k = offer("kam-1", "kt", callerSdp);
    Value supports = Value::list();
    supports.push("load limit");
    k.set("supports", supports);
    Value flags = Value::list();
    flags.push("trust-address");
    k.set("flags", flags);
    Value replace = Value::list();
    replace.push("origin");
    replace.push("session-connection");
    k.set("replace", replace);
    k.set("ICE", "remove");
    Value received = Value::list();
    received.push("IP4");
    received.push("192.0.2.10");
    k.set("received-from", received);
    k.set("sip-message-type", "sip_request");
    k.set("transport-protocol", "RTP/AVP");
    Value r = request(k);
    EXPECT_EQ(resultOf(r), "ok") << errorReasonOf(r);
    EXPECT_NE(sdpOf(r).find("o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n"), std::string::npos)
        << sdpOf(r);

    // OpenSIPS: string list values, prefix flags, integer delete-delay, call-id-only delete.
    Value os = offer("os-1", "ot", callerSdp);
    os.set("flags", "codec-strip-PCMA,replace-origin");
    os.set("rtcp-mux", "demux");
    Value osr = request(os);
    EXPECT_EQ(resultOf(osr), "ok") << errorReasonOf(osr);
    EXPECT_NE(sdpOf(osr).find("RTP/AVP 0 101\r\n"), std::string::npos) << sdpOf(osr);
    Value osd = del("os-1");
    osd.set("delete-delay", 0);
    EXPECT_EQ(resultOf(request(osd)), "ok");
}

TEST_F(Signalling, RtppFlagsStringIsParsedByTheDaemon) {
    Value v = offer("rtpp-1", "t1", callerSdp);
    v.set("rtpp-flags", "replace-origin ICE=remove codec-strip=PCMU");
    Value r = request(v);
    EXPECT_EQ(resultOf(r), "ok") << errorReasonOf(r);
    EXPECT_NE(sdpOf(r).find("RTP/AVP 8 101\r\n"), std::string::npos) << sdpOf(r);
    EXPECT_NE(sdpOf(r).find("IN IP4 127.0.0.1\r\ns=-"), std::string::npos) << sdpOf(r);
}

TEST_F(Signalling, IceRemoveAndCodecMaskExcept) {
    std::string ice = callerSdp +
                      "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef012345\r\n"
                      "a=candidate:1 1 UDP 2130706431 192.0.2.10 6000 typ host\r\n";
    Value v = offer("ice-1", "a", ice);
    v.set("ICE", "remove");
    Value codec = Value::dict();
    Value mask = Value::list();
    mask.push("all");
    codec.set("mask", mask);
    Value except = Value::list();
    except.push("PCMA");
    except.push("telephone-event");
    codec.set("except", except);
    v.set("codec", codec);
    Value r = request(v);
    std::string out = sdpOf(r);
    EXPECT_EQ(out.find("candidate"), std::string::npos) << out;
    EXPECT_EQ(out.find("ice-ufrag"), std::string::npos) << out;
    EXPECT_EQ(r.find("warning"), nullptr);
    EXPECT_NE(out.find("RTP/AVP 8 101\r\n"), std::string::npos) << out;
}

TEST_F(Signalling, RtcpMuxOfferedThroughAndAccepted) {
    std::string muxed = callerSdp + "a=rtcp-mux\r\n";
    Value o = request(offer("mux-1", "a", muxed));
    std::string out = sdpOf(o);
    int port = mediaPorts(out)[0];
    EXPECT_NE(out.find("a=rtcp:" + std::to_string(port + 1) + "\r\na=rtcp-mux\r\n"),
              std::string::npos)
        << out;
    Value a = request(answer("mux-1", "a", "b", calleeSdp + "a=rtcp-mux\r\n"));
    std::string ans = sdpOf(a);
    EXPECT_NE(ans.find("a=rtcp-mux\r\n"), std::string::npos) << ans;
    EXPECT_EQ(ans.find("a=rtcp:"), std::string::npos) << ans;

    // demux: the callee gets no mux, the caller's mux is still accepted.
    Value d = offer("mux-2", "a", muxed);
    Value demux = Value::list();
    demux.push("demux");
    d.set("rtcp-mux", demux);
    std::string dout = sdpOf(request(d));
    EXPECT_EQ(dout.find("a=rtcp-mux"), std::string::npos) << dout;
    std::string dans = sdpOf(request(answer("mux-2", "a", "b", calleeSdp)));
    EXPECT_NE(dans.find("a=rtcp-mux\r\n"), std::string::npos) << dans;
}

TEST_F(Signalling, DemuxWhoseRtcpPortWasTakenMeanwhileSaysSo) {
    // Mux accepted on both sides: the daemon closes both RTCP sockets (the ports stay
    // reserved in its pools, not in the kernel).
    std::string muxed = callerSdp + "a=rtcp-mux\r\n";
    request(offer("mux-taken", "a", muxed));
    int towardsCaller =
        mediaPorts(sdpOf(request(answer("mux-taken", "a", "b", calleeSdp + "a=rtcp-mux\r\n"))))[0];
    // Another process binds the caller side's RTCP port; then the caller drops rtcp-mux.
    MediaPeer squatter("127.0.0.1", static_cast<uint16_t>(towardsCaller + 1));
    EXPECT_EQ(resultOf(request(offer("mux-taken", "a", callerSdp))), "ok");
    EXPECT_TRUE(daemon_->waitForLog("Cannot open RTCP port " + std::to_string(towardsCaller + 1) +
                                        " on 127.0.0.1 again (Address already in use)",
                                    2s))
        << daemon_->log();
    EXPECT_TRUE(daemon_->running());
}

TEST_F(Signalling, UnknownKeysAndFlagsAreNotRejected) {
    Value v = offer("unk-1", "a", callerSdp);
    Value flags = Value::list();
    flags.push("frobnicate");
    v.set("flags", flags);
    v.set("repacketize", 20);
    v.set("some-new-key", "x");
    EXPECT_EQ(resultOf(request(v)), "ok");
    EXPECT_TRUE(daemon_->waitForLog("frobnicate", 2s)) << daemon_->log();
}

struct BadRequest {
    const char* name;
    std::function<Value()> build;
    const char* reason;
};

TEST_F(Signalling, BadInputIsRejectedAndLeavesTheCallAsItWas) {
    request(offer("bad-1", "a", callerSdp));
    request(answer("bad-1", "a", "b", calleeSdp));
    auto q = command("query");
    q.set("call-id", "bad-1");
    Value before = request(q);

    auto withoutKey = [](Value v, const char* key) {
        auto& e = v.entries();
        e.erase(std::remove_if(e.begin(), e.end(), [&](const auto& kv) { return kv.first == key; }),
                e.end());
        return v;
    };
    const std::vector<BadRequest> cases = {
        {"no sdp", [&] { return withoutKey(offer("bad-1", "a", callerSdp), "sdp"); },
         "No SDP body in message"},
        {"no call-id", [&] { return withoutKey(offer("bad-1", "a", callerSdp), "call-id"); },
         "No call-id in message"},
        {"no from-tag", [&] { return withoutKey(offer("bad-1", "a", callerSdp), "from-tag"); },
         "No from-tag in message"},
        {"no to-tag in answer",
         [&] { return withoutKey(answer("bad-1", "a", "b", calleeSdp), "to-tag"); },
         "No to-tag in message"},
        {"no v=", [&] { return offer("bad-1", "a", "o=x 1 1 IN IP4 1.2.3.4\r\ns=-\r\n"); },
         "Failed to parse SDP"},
        {"bad m=",
         [&] {
             return offer("bad-1", "a",
                          std::regex_replace(callerSdp, std::regex("m=audio 6000"), "m=audio x"));
         },
         "Failed to parse SDP"},
        {"port out of range",
         [&] {
             return offer("bad-1", "a", std::regex_replace(callerSdp, std::regex("6000"), "70000"));
         },
         "Failed to parse SDP"},
        {"bad c=",
         [&] {
             return offer("bad-1", "a",
                          std::regex_replace(callerSdp, std::regex("c=IN IP4 192.0.2.10"),
                                             "c=IN IP4 999.1.1.1"));
         },
         "Failed to parse SDP"},
        {"no connection",
         [&] {
             return offer("bad-1", "a",
                          std::regex_replace(callerSdp, std::regex("c=IN IP4 192.0.2.10\r\n"), ""));
         },
         "Incomplete SDP specification"},
        {"absurd media count",
         [&] {
             std::string s = callerSdp;
             for (int i = 0; i < 100; ++i)
                 s += "m=audio 6002 RTP/AVP 0\r\n";
             return offer("bad-1", "a", s);
         },
         "Failed to parse SDP"},
        {"sdp not a string",
         [&] {
             Value v = offer("bad-1", "a", callerSdp);
             v.set("sdp", 42);
             return v;
         },
         "Invalid value type for key 'sdp': expected a string"},
        {"answer before offer", [&] { return answer("other-call", "a", "b", calleeSdp); },
         "Unknown call-id"},
        {"answer with unknown from-tag", [&] { return answer("bad-1", "zz", "b", calleeSdp); },
         "Invalid dialogue association"},
    };
    for (const auto& c : cases) {
        Value r = request(c.build());
        EXPECT_EQ(resultOf(r), "error") << c.name;
        EXPECT_EQ(errorReasonOf(r), c.reason) << c.name;
    }
    Value after = request(q);
    // Nothing changed but the query time itself.
    auto stripTimes = [](Value v) {
        v.entries().erase(std::remove_if(v.entries().begin(), v.entries().end(),
                                         [](const auto& kv) { return kv.first == "result"; }),
                          v.entries().end());
        return control::bencode::encode(v);
    };
    EXPECT_EQ(stripTimes(before), stripTimes(after));
    EXPECT_EQ(request(command("list")).find("calls")->items().size(), 1u);
}

TEST_F(Signalling, LabelMediaAddressAndSipSourceAddressShapeTheEndpoints) {
    Value v = offer("addr-1", "a", callerSdp);
    v.set("label", "caller");
    v.set("media-address", "192.0.2.99");
    request(v);
    auto q = command("query");
    q.set("call-id", "addr-1");
    Value r = request(q);
    const Value* a = r.find("tags")->find("a");
    EXPECT_EQ(a->find("label")->str(), "caller");
    const Value& s = a->find("medias")->items()[0].find("streams")->items()[0];
    EXPECT_EQ(s.find("endpoint")->find("address")->str(), "192.0.2.99");

    // SIP source address: the address the SIP message came from replaces the SDP's.
    Value w = offer("addr-2", "a", callerSdp);
    Value flags = Value::list();
    flags.push("SIP-source-address");
    w.set("flags", flags);
    Value received = Value::list();
    received.push("IP4");
    received.push("198.51.100.5");
    w.set("received-from", received);
    request(w);
    q.set("call-id", "addr-2");
    Value r2 = request(q);
    EXPECT_EQ(r2.find("tags")
                  ->find("a")
                  ->find("medias")
                  ->items()[0]
                  .find("streams")
                  ->items()[0]
                  .find("endpoint")
                  ->find("address")
                  ->str(),
              "198.51.100.5");
}

TEST_F(Signalling, TransportProtocolChangesBetweenAvpAndAvpfButNotIntoSrtp) {
    Value v = offer("proto-1", "a", callerSdp);
    v.set("transport-protocol", "RTP/AVPF");
    Value r = request(v);
    EXPECT_NE(sdpOf(r).find(" RTP/AVPF 0 8 101\r\n"), std::string::npos) << sdpOf(r);

    Value w = offer("proto-2", "a", callerSdp);
    w.set("transport-protocol", "RTP/SAVP");
    Value r2 = request(w);
    EXPECT_NE(sdpOf(r2).find(" RTP/AVP 0 8 101\r\n"), std::string::npos) << sdpOf(r2);
    ASSERT_TRUE(r2.find("warning"));
    EXPECT_NE(r2.find("warning")->str().find("needs SRTP support"), std::string::npos);
}

TEST_F(Signalling, OriginalSendrecvLeavesTheImpliedDirectionOut) {
    Value v = offer("dir-1", "a", callerSdp);
    Value flags = Value::list();
    flags.push("original-sendrecv");
    v.set("flags", flags);
    std::string out = sdpOf(request(v));
    EXPECT_EQ(out.find("a=sendrecv"), std::string::npos) << out;
}

TEST_F(Signalling, SdpVersionMovesOnlyWhenTheBodyChanges) {
    auto send = [&](const std::string& sdp) {
        Value v = offer("ver-1", "a", sdp);
        Value replace = Value::list();
        replace.push("origin");
        replace.push("sdp-version");
        v.set("replace", replace);
        std::string out = sdpOf(request(v));
        std::smatch m;
        std::regex_search(out, m, std::regex("o=user1 53655765 ([0-9]+) "));
        return m[1].str();
    };
    std::string v1 = send(callerSdp);
    EXPECT_EQ(send(callerSdp), v1);
    std::string changed =
        std::regex_replace(callerSdp, std::regex("RTP/AVP 0 8 101"), "RTP/AVP 8 101");
    std::string v2 = send(changed);
    EXPECT_EQ(std::stoull(v2), std::stoull(v1) + 1);
    EXPECT_EQ(send(changed), v2);
}

TEST_F(Signalling, Rfc3605RtcpAttributeGivesTheRtcpEndpoint) {
    std::string sdp = callerSdp + "a=rtcp:6100 IN IP4 192.0.2.11\r\n";
    request(offer("rtcp-1", "a", sdp));
    auto q = command("query");
    q.set("call-id", "rtcp-1");
    Value r = request(q);
    const auto& streams =
        r.find("tags")->find("a")->find("medias")->items()[0].find("streams")->items();
    EXPECT_EQ(streams[1].find("endpoint")->find("address")->str(), "192.0.2.11");
    EXPECT_EQ(streams[1].find("endpoint")->find("port")->integer(), 6100);
}

class SignallingLimits : public SignallingFixture {};

TEST_F(SignallingLimits, PortExhaustionFailsCleanlyAndRecoversAfterDeletes) {
    // 4 RTP/RTCP pairs: two calls of one stream (two sides each). An address of its own, so
    // no parallel test can hold one of the eight ports.
    startDaemon({"-i", "127.0.0.9"}, 8);
    ASSERT_EQ(resultOf(request(offer("x1", "a", callerSdp))), "ok");
    ASSERT_EQ(resultOf(request(offer("x2", "a", callerSdp))), "ok");
    Value full = request(offer("x3", "a", callerSdp));
    EXPECT_EQ(resultOf(full), "error");
    EXPECT_EQ(errorReasonOf(full), "Ran out of ports");
    Value list = request(command("list"));
    EXPECT_EQ(list.find("calls")->items().size(), 2u);
    // A second stream in an existing call cannot fit either, and leaves the call unchanged.
    Value grow = request(offer("x1", "a", callerSdp + "m=audio 6002 RTP/AVP 0\r\n"));
    EXPECT_EQ(errorReasonOf(grow), "Ran out of ports");

    Value stats = request(command("statistics"));
    const Value& iface = stats.find("statistics")->find("interfaces")->items().at(0);
    EXPECT_EQ(iface.find("ports")->find("used")->integer(), 8);
    EXPECT_EQ(iface.find("ports")->find("free")->integer(), 0);

    Value d = del("x1");
    d.set("delete-delay", 0);
    request(d);
    EXPECT_EQ(resultOf(request(offer("x3", "a", callerSdp))), "ok");
    for (const char* id : {"x2", "x3"}) {
        Value dd = del(id);
        dd.set("delete-delay", 0);
        request(dd);
    }
    stats = request(command("statistics"));
    EXPECT_EQ(stats.find("statistics")
                  ->find("interfaces")
                  ->items()
                  .at(0)
                  .find("ports")
                  ->find("used")
                  ->integer(),
              0);
}

TEST_F(SignallingLimits, MaxSessionsAnswersWithTheFailoverTexts) {
    startDaemon({"--max-sessions=1"});
    ASSERT_EQ(resultOf(request(offer("m1", "a", callerSdp))), "ok");
    Value second = request(offer("m2", "a", callerSdp));
    EXPECT_EQ(resultOf(second), "error");
    EXPECT_EQ(errorReasonOf(second), "Parallel session limit reached");
    Value withSupports = offer("m2", "a", callerSdp);
    Value supports = Value::list();
    supports.push("load limit");
    withSupports.set("supports", supports);
    Value limited = request(withSupports);
    EXPECT_EQ(resultOf(limited), "load limit");
    EXPECT_EQ(limited.find("message")->str(), "Parallel session limit reached");
    // Existing calls are still served.
    EXPECT_EQ(resultOf(request(answer("m1", "a", "b", calleeSdp))), "ok");
}

TEST_F(SignallingLimits, OfferTimeoutRemovesUnansweredCalls) {
    startDaemon({"--offer-timeout=1"});
    request(offer("ot1", "a", callerSdp));
    request(offer("ot2", "a", callerSdp));
    request(answer("ot2", "a", "b", calleeSdp));
    std::this_thread::sleep_for(2500ms);
    Value list = request(command("list"));
    ASSERT_EQ(list.find("calls")->items().size(), 1u);
    EXPECT_EQ(list.find("calls")->items()[0].str(), "ot2");
    EXPECT_TRUE(daemon_->waitForLog("Closing call due to timeout (offer-timeout)", 1s));
}

TEST_F(SignallingLimits, BridgesIpv4ToIpv6) {
    startDaemon({"-i", "127.0.0.1", "-i", "::1"});
    Value v = offer("v6-1", "a", callerSdp);
    v.set("address-family", "IP6");
    Value r = request(v);
    EXPECT_EQ(resultOf(r), "ok") << errorReasonOf(r);
    EXPECT_NE(sdpOf(r).find("c=IN IP6 ::1\r\n"), std::string::npos) << sdpOf(r);
    std::string v6Answer =
        "v=0\r\no=- 1 1 IN IP6 2001:db8::2\r\ns=-\r\nc=IN IP6 2001:db8::2\r\nt=0 0\r\n"
        "m=audio 7000 RTP/AVP 0\r\n";
    Value a = request(answer("v6-1", "a", "b", v6Answer));
    EXPECT_EQ(resultOf(a), "ok") << errorReasonOf(a);
    EXPECT_NE(sdpOf(a).find("c=IN IP4 127.0.0.1\r\n"), std::string::npos) << sdpOf(a);
}

TEST_F(SignallingLimits, BridgesTwoInterfacesWithAnAdvertisedAddress) {
    startDaemon({"-i", "priv/127.0.0.1", "-i", "pub/127.0.0.2!203.0.113.5"});
    Value v = offer("br-1", "a", callerSdp);
    Value direction = Value::list();
    direction.push("priv");
    direction.push("pub");
    v.set("direction", direction);
    Value r = request(v);
    EXPECT_EQ(resultOf(r), "ok") << errorReasonOf(r);
    EXPECT_NE(sdpOf(r).find("c=IN IP4 203.0.113.5\r\n"), std::string::npos) << sdpOf(r);
    Value a = request(answer("br-1", "a", "b", calleeSdp));
    EXPECT_NE(sdpOf(a).find("c=IN IP4 127.0.0.1\r\n"), std::string::npos) << sdpOf(a);
    // The callee-facing socket is bound on the pub interface's local address.
    auto q = command("query");
    q.set("call-id", "br-1");
    Value qr = request(q);
    const Value& stream =
        qr.find("tags")->find("b")->find("medias")->items()[0].find("streams")->items()[0];
    EXPECT_EQ(stream.find("local address")->str(), "127.0.0.2");

    Value bad = offer("br-2", "a", callerSdp);
    Value unknown = Value::list();
    unknown.push("nowhere");
    unknown.push("pub");
    bad.set("direction", unknown);
    EXPECT_EQ(errorReasonOf(request(bad)), "Unknown interface 'nowhere'");
}

}  // namespace
}  // namespace rtprelay::test
