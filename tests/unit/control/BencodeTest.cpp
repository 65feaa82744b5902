#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "control/Bencode.h"

namespace rtprelay::control::bencode {
// Readable status names in assertion failures.
void PrintTo(DecodeStatus s, std::ostream* os) {
    static constexpr const char* names[] = {"ok",       "incomplete", "invalid",
                                            "tooLarge", "tooDeep",    "tooManyElements"};
    *os << names[static_cast<int>(s)];
}
}  // namespace rtprelay::control::bencode

namespace {

using namespace rtprelay::control::bencode;
using namespace std::string_literals;

// Wire form of a string, so hand-written documents need no length counting.
std::string bs(std::string_view s) {
    return std::to_string(s.size()) + ":" + std::string(s);
}

const std::string kOfferSdp =
    "v=0\r\n"
    "o=- 1545997027 1 IN IP4 198.51.100.1\r\n"
    "s=tester\r\n"
    "c=IN IP4 198.51.100.1\r\n"
    "t=0 0\r\n"
    "m=audio 2000 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=sendrecv\r\n";

// Shaped like what Kamailio's rtpengine module sends for
// rtpengine_offer("replace-origin replace-session-connection ICE=remove RTP/AVP trust-address").
std::string kamailioOfferWire() {
    return "d" + bs("supports") + "l" + bs("load limit") + "e" + bs("sdp") + bs(kOfferSdp) +
           bs("ICE") + bs("remove") + bs("transport-protocol") + bs("RTP/AVP") + bs("replace") +
           "l" + bs("origin") + bs("session-connection") + "e" + bs("flags") + "l" +
           bs("trust-address") + "e" + bs("call-id") + bs("a84b4c76e66710@pc33.example.com") +
           bs("via-branch") + bs("z9hG4bK776asdhds") + bs("received-from") + "l" + bs("IP4") +
           bs("192.0.2.10") + "e" + bs("from-tag") + bs("1928301774") + bs("sip-message-type") +
           bs("sip_request") + bs("command") + bs("offer") + "e";
}

Value kamailioOfferValue() {
    Value d = Value::dict();
    d.set("supports", List{"load limit"});
    d.set("sdp", kOfferSdp);
    d.set("ICE", "remove");
    d.set("transport-protocol", "RTP/AVP");
    d.set("replace", List{"origin", "session-connection"});
    d.set("flags", List{"trust-address"});
    d.set("call-id", "a84b4c76e66710@pc33.example.com");
    d.set("via-branch", "z9hG4bK776asdhds");
    d.set("received-from", List{"IP4", "192.0.2.10"});
    d.set("from-tag", "1928301774");
    d.set("sip-message-type", "sip_request");
    d.set("command", "offer");
    return d;
}

Limits withDepth(size_t depth) {
    Limits l;
    l.maxDepth = depth;
    return l;
}

TEST(BencodeValue, ConstructorsAndTypes) {
    EXPECT_TRUE(Value().isString());
    EXPECT_EQ(Value().str(), "");
    EXPECT_EQ(Value("abc").str(), "abc");
    EXPECT_EQ(Value(std::string_view("abc")).str(), "abc");
    EXPECT_EQ(Value(std::string("abc")).str(), "abc");
    EXPECT_TRUE(Value(5).isInt());
    EXPECT_EQ(Value(5).integer(), 5);
    EXPECT_EQ(Value(int64_t{-7}).integer(), -7);
    EXPECT_EQ(Value::list().type(), Value::Type::list);
    EXPECT_TRUE(Value::list().items().empty());
    EXPECT_EQ(Value::dict().type(), Value::Type::dict);
    EXPECT_TRUE(Value::dict().entries().empty());
    EXPECT_TRUE(Value(List{1, "x"}).isList());
    EXPECT_TRUE(Value(Dict{{"k", 1}}).isDict());
    // Same number, different type: never equal.
    EXPECT_NE(Value(1), Value("1"));
    EXPECT_NE(Value::list(), Value::dict());
}

TEST(BencodeValue, FindSetPush) {
    Value d = Value::dict();
    Value& a = d.set("a", 1);
    EXPECT_EQ(a.integer(), 1);
    d.set("b", "two");
    d.set("c", Value::list());
    // Replacing keeps the original position.
    Value& again = d.set("a", "one");
    EXPECT_EQ(again.str(), "one");
    ASSERT_EQ(d.entries().size(), 3u);
    EXPECT_EQ(d.entries()[0].first, "a");
    EXPECT_EQ(d.entries()[0].second.str(), "one");
    ASSERT_NE(d.find("b"), nullptr);
    EXPECT_EQ(d.find("b")->str(), "two");
    EXPECT_EQ(d.find("missing"), nullptr);
    EXPECT_EQ(Value("a").find("a"), nullptr);
    EXPECT_EQ(Value::list().find("a"), nullptr);

    Value& list = d.set("c", Value::list());
    Value& pushed = list.push(Value::dict());
    pushed.set("x", 9);
    list.push("y");
    EXPECT_EQ(encode(d), "d1:a3:one1:b3:two1:cld1:xi9ee1:yee");
}

TEST(BencodeValue, FindReturnsFirstOfDuplicateKeys) {
    Value d(Dict{{"k", 1}, {"k", 2}});
    ASSERT_NE(d.find("k"), nullptr);
    EXPECT_EQ(d.find("k")->integer(), 1);
    d.set("k", 3);
    EXPECT_EQ(d.entries()[0].second.integer(), 3);
    EXPECT_EQ(d.entries()[1].second.integer(), 2);
}

TEST(BencodeEncode, Scalars) {
    EXPECT_EQ(encode(Value("spam")), "4:spam");
    EXPECT_EQ(encode(Value("")), "0:");
    EXPECT_EQ(encode(Value(0)), "i0e");
    EXPECT_EQ(encode(Value(-42)), "i-42e");
    EXPECT_EQ(encode(Value(std::numeric_limits<int64_t>::max())), "i9223372036854775807e");
    EXPECT_EQ(encode(Value(std::numeric_limits<int64_t>::min())), "i-9223372036854775808e");
    EXPECT_EQ(encode(Value::list()), "le");
    EXPECT_EQ(encode(Value::dict()), "de");
    EXPECT_EQ(encode(Value("a\0b"s)), "3:a\0b"s);
}

TEST(BencodeEncode, DictKeysInInsertionOrder) {
    Value d = Value::dict();
    d.set("zeta", 1);
    d.set("alpha", 2);
    d.set("mid", List{"b", "a"});
    EXPECT_EQ(encode(d), "d4:zetai1e5:alphai2e3:midl1:b1:aee");
}

TEST(BencodeEncode, EncodeToAppends) {
    std::string out = "cookie ";
    encodeTo(Value(Dict{{"result", "pong"}}), out);
    EXPECT_EQ(out, "cookie d6:result4:ponge");
}

TEST(BencodeRoundTrip, Values) {
    std::string allBytes;
    for (int i = 0; i < 256; ++i) {
        allBytes += static_cast<char>(i);
    }
    const std::vector<Value> values = {
        Value(""),
        Value("\0"s),
        Value("\0\0x\0"s),
        Value(allBytes),
        Value(0),
        Value(-1),
        Value(std::numeric_limits<int64_t>::max()),
        Value(std::numeric_limits<int64_t>::min()),
        Value::list(),
        Value::dict(),
        Value(List{Value::list(), Value::dict(), Value(List{Value::list()})}),
        Value(Dict{{"", ""}, {"\0k"s, List{-5, "e", Dict{{"i", "l"}}}}}),
        Value(Dict{{"b", 1}, {"a", 2}, {"b", 3}}),
        kamailioOfferValue(),
    };
    for (const Value& v : values) {
        std::string wire = encode(v);
        DecodeResult r = decode(wire);
        ASSERT_EQ(r.status, DecodeStatus::ok) << wire << ": " << r.error;
        EXPECT_EQ(r.consumed, wire.size());
        EXPECT_EQ(r.value, v) << wire;
        EXPECT_EQ(encode(r.value), wire);
    }
}

TEST(BencodeRoundTrip, DeepValueBuiltInCode) {
    Value root = Value::list();
    Value* cur = &root;
    for (int depth = 2; depth <= 32; ++depth) {
        Value child = depth % 2 ? Value::list() : Value::dict();
        cur = cur->isList() ? &cur->push(std::move(child))
                            : &cur->set("k" + std::to_string(depth), std::move(child));
    }
    cur->set("leaf", -1);
    const std::string wire = encode(root);
    DecodeResult r = decode(wire);
    ASSERT_EQ(r.status, DecodeStatus::ok) << r.error;
    EXPECT_EQ(r.value, root);
    EXPECT_EQ(encode(r.value), wire);
    EXPECT_EQ(decode(wire, withDepth(31)).status, DecodeStatus::tooDeep);
}

TEST(BencodeDecode, AcceptsCanonicalForms) {
    for (std::string wire : {"0:"s, "4:spam"s, "i0e"s, "i-1e"s, "i10e"s, "le"s, "de"s, "l0:0:e"s,
                             "d0:0:e"s, "d1:ad1:blleeee"s, "llee"s}) {
        DecodeResult r = decode(wire);
        ASSERT_EQ(r.status, DecodeStatus::ok) << wire << ": " << r.error;
        EXPECT_EQ(r.consumed, wire.size());
        EXPECT_EQ(encode(r.value), wire);
    }
}

TEST(BencodeDecode, ReadsNulBytesInStrings) {
    DecodeResult r = decode(
        "d3:\0\0\0"
        "5:a\0b\0ce"s);
    ASSERT_EQ(r.status, DecodeStatus::ok) << r.error;
    ASSERT_EQ(r.value.entries().size(), 1u);
    EXPECT_EQ(r.value.entries()[0].first, "\0\0\0"s);
    EXPECT_EQ(r.value.entries()[0].second.str(), "a\0b\0c"s);
}

TEST(BencodeDecode, IntegerExtremes) {
    DecodeResult max = decode("i9223372036854775807e");
    ASSERT_EQ(max.status, DecodeStatus::ok);
    EXPECT_EQ(max.value.integer(), std::numeric_limits<int64_t>::max());
    DecodeResult min = decode("i-9223372036854775808e");
    ASSERT_EQ(min.status, DecodeStatus::ok);
    EXPECT_EQ(min.value.integer(), std::numeric_limits<int64_t>::min());
}

struct Rejection {
    std::string input;
    DecodeStatus status;
};

TEST(BencodeDecode, Rejections) {
    const std::vector<Rejection> cases = {
        // integers
        {"i05e", DecodeStatus::invalid},
        {"i00e", DecodeStatus::invalid},
        {"i-0e", DecodeStatus::invalid},
        {"i-05e", DecodeStatus::invalid},
        {"ie", DecodeStatus::invalid},
        {"i-e", DecodeStatus::invalid},
        {"i--1e", DecodeStatus::invalid},
        {"i+1e", DecodeStatus::invalid},
        {"i 1e", DecodeStatus::invalid},
        {"i1.5e", DecodeStatus::invalid},
        {"i1x", DecodeStatus::invalid},
        {"i9223372036854775808e", DecodeStatus::invalid},
        {"i-9223372036854775809e", DecodeStatus::invalid},
        {"i99999999999999999999999999e", DecodeStatus::invalid},
        // strings
        {"01:a", DecodeStatus::invalid},
        {"00:", DecodeStatus::invalid},
        {"3x:abc", DecodeStatus::invalid},
        {"-1:a", DecodeStatus::invalid},
        {":a", DecodeStatus::invalid},
        {"70000:abc", DecodeStatus::tooLarge},
        {"99999999999999999999999999999:", DecodeStatus::tooLarge},
        // structure
        {"e", DecodeStatus::invalid},
        {"x", DecodeStatus::invalid},
        {" d", DecodeStatus::invalid},
        {"di1ei2ee", DecodeStatus::invalid},
        {"dlei1ee", DecodeStatus::invalid},
        {"ddei1ee", DecodeStatus::invalid},
        {"d3:fooe", DecodeStatus::invalid},
        {"l1:ai1ex", DecodeStatus::invalid},
        // truncated
        {"", DecodeStatus::incomplete},
        {"d", DecodeStatus::incomplete},
        {"l", DecodeStatus::incomplete},
        {"i", DecodeStatus::incomplete},
        {"i-", DecodeStatus::incomplete},
        {"i0", DecodeStatus::incomplete},
        {"i12", DecodeStatus::incomplete},
        {"0", DecodeStatus::incomplete},
        {"12", DecodeStatus::incomplete},
        {"5:ab", DecodeStatus::incomplete},
        {"d3:foo", DecodeStatus::incomplete},
        {"d3:fo", DecodeStatus::incomplete},
        {"d3:fooi1e", DecodeStatus::incomplete},
        {"li1e", DecodeStatus::incomplete},
        {"lld1:ad", DecodeStatus::incomplete},
    };
    for (const auto& c : cases) {
        DecodeResult r = decode(c.input);
        EXPECT_EQ(r.status, c.status) << '"' << c.input << "\": " << r.error;
        EXPECT_FALSE(r.error.empty()) << c.input;
    }
}

TEST(BencodeDecode, ErrorTextCarriesOffset) {
    EXPECT_EQ(decode("li1ei05ee").error, "invalid integer at offset 4");
    EXPECT_EQ(decode("d1:a1:bi3ee").error, "dict key is not a string at offset 7");
    EXPECT_EQ(decode("l1:a?e").error, "unexpected byte '?' at offset 4");
    EXPECT_EQ(decode("l\x01").error, "unexpected byte 0x01 at offset 1");
    EXPECT_EQ(decode("l01:ae").error, "string length with a leading zero at offset 1");
}

TEST(BencodeDecode, ConsumedStopsAtEndOfFirstValue) {
    struct Case {
        std::string input;
        size_t consumed;
    };
    for (const auto& c : std::vector<Case>{{"d1:ai1eeXYZ", 8},
                                           {"i1ei2e", 3},
                                           {"4:spamgarbage", 6},
                                           {"lee", 2},
                                           {"d7:command4:pinged7:command", 17},
                                           {"0:0:", 2}}) {
        DecodeResult r = decode(c.input);
        ASSERT_EQ(r.status, DecodeStatus::ok) << c.input << ": " << r.error;
        EXPECT_EQ(r.consumed, c.consumed) << c.input;
    }
    // Trailing garbage is not examined at all.
    DecodeResult r = decode("d7:command4:pinge\xff\x00 junk"s);
    ASSERT_EQ(r.status, DecodeStatus::ok);
    EXPECT_EQ(r.value, Value(Dict{{"command", "ping"}}));
}

TEST(BencodeDecode, DuplicateKeysAreKept) {
    const std::string wire = "d1:ai1e1:bi0e1:ai2ee";
    DecodeResult r = decode(wire);
    ASSERT_EQ(r.status, DecodeStatus::ok);
    ASSERT_EQ(r.value.entries().size(), 3u);
    EXPECT_EQ(r.value.find("a")->integer(), 1);
    EXPECT_EQ(encode(r.value), wire);
}

TEST(BencodeDecode, KeysAreNotRequiredToBeSorted) {
    DecodeResult r = decode("d1:zi1e1:ai2ee");
    ASSERT_EQ(r.status, DecodeStatus::ok);
    EXPECT_EQ(r.value.entries()[0].first, "z");
    EXPECT_EQ(encode(r.value), "d1:zi1e1:ai2ee");
}

TEST(BencodeLimits, DepthExactlyAtLimit) {
    const std::string ok = std::string(32, 'l') + std::string(32, 'e');
    DecodeResult r = decode(ok);
    EXPECT_EQ(r.status, DecodeStatus::ok) << r.error;
    EXPECT_EQ(r.consumed, ok.size());

    DecodeResult deep = decode(std::string(33, 'l') + std::string(33, 'e'));
    EXPECT_EQ(deep.status, DecodeStatus::tooDeep);
    EXPECT_EQ(deep.error, "nesting deeper than 32 at offset 32");

    // Dicts count towards depth just like lists.
    std::string dicts;
    for (int i = 0; i < 31; ++i) {
        dicts += "d1:k";
    }
    EXPECT_EQ(decode(dicts + "le" + std::string(31, 'e')).status, DecodeStatus::ok);
    EXPECT_EQ(decode(dicts + "l" + "le" + "e" + std::string(31, 'e')).status,
              DecodeStatus::tooDeep);

    // Depth 0 allows scalars only.
    EXPECT_EQ(decode("4:spam", withDepth(0)).status, DecodeStatus::ok);
    EXPECT_EQ(decode("le", withDepth(0)).status, DecodeStatus::tooDeep);
    // Siblings do not add up.
    EXPECT_EQ(decode("llelelee", withDepth(2)).status, DecodeStatus::ok);
}

TEST(BencodeLimits, ElementCount) {
    Limits limits;
    limits.maxElements = 5;
    // The list itself plus four items.
    EXPECT_EQ(decode("li1ei2ei3ei4ee", limits).status, DecodeStatus::ok);
    DecodeResult r = decode("li1ei2ei3ei4ei5ee", limits);
    EXPECT_EQ(r.status, DecodeStatus::tooManyElements);
    EXPECT_EQ(r.error, "more than 5 elements");
    // Dict keys count: dict + 2 keys + 2 values.
    EXPECT_EQ(decode("d1:ai1e1:bi2ee", limits).status, DecodeStatus::ok);
    EXPECT_EQ(decode("d1:ai1e1:bi2e1:cle", limits).status, DecodeStatus::tooManyElements);
    // Empty containers count too.
    EXPECT_EQ(decode("llelelelelee", limits).status, DecodeStatus::tooManyElements);

    // The default limit admits a realistic large list.
    std::string wide = "l";
    for (int i = 0; i < 16383; ++i) {
        wide += "0:";
    }
    EXPECT_EQ(decode(wide + "e").status, DecodeStatus::ok);
    EXPECT_EQ(decode(wide + "0:e").status, DecodeStatus::tooManyElements);
}

TEST(BencodeLimits, InputSize) {
    Limits limits;
    limits.maxInputSize = 100;
    const std::string exact = bs(std::string(97, 'x'));  // "97:" + 97 bytes
    ASSERT_EQ(exact.size(), 100u);
    EXPECT_EQ(decode(exact, limits).status, DecodeStatus::ok);
    EXPECT_EQ(decode(exact + "x", limits).status, DecodeStatus::tooLarge);
    EXPECT_EQ(decode(exact + "x", limits).error, "input of 101 bytes exceeds the limit of 100");

    // A string that could still end within the limit is merely incomplete...
    EXPECT_EQ(decode("97:abc", limits).status, DecodeStatus::incomplete);
    // ...one that cannot is rejected straight away, so a stream reader does not wait for it.
    EXPECT_EQ(decode("98:abc", limits).status, DecodeStatus::tooLarge);
    EXPECT_EQ(decode("l97:abc", limits).status, DecodeStatus::tooLarge);
    EXPECT_EQ(decode("101", limits).status, DecodeStatus::tooLarge);
    // A full-sized input that has not ended cannot be completed either.
    Limits deep = limits;
    deep.maxDepth = 1000;
    EXPECT_EQ(decode(std::string(100, 'l'), deep).status, DecodeStatus::tooLarge);
    EXPECT_EQ(decode(std::string(99, 'l'), deep).status, DecodeStatus::incomplete);

    // Default limit: rtpengine's maximum datagram.
    const std::string big = bs(std::string(65535 - 6, 'x'));
    ASSERT_EQ(big.size(), 65535u);
    EXPECT_EQ(decode(big).status, DecodeStatus::ok);
    EXPECT_EQ(decode(big + "e").status, DecodeStatus::tooLarge);
}

TEST(BencodeLimits, NestingBombFailsFast) {
    const std::string bomb(1 << 20, 'l');
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(decode(bomb).status, DecodeStatus::tooLarge);

    Limits roomy;
    roomy.maxInputSize = bomb.size();
    EXPECT_EQ(decode(bomb, roomy).status, DecodeStatus::tooDeep);

    // Even with the depth limit lifted the decoder keeps its stack on the heap.
    const std::string_view deep = std::string_view(bomb).substr(0, 100000);
    roomy.maxDepth = deep.size();
    roomy.maxElements = deep.size();
    EXPECT_EQ(decode(deep, roomy).status, DecodeStatus::incomplete);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(BencodeKamailio, OfferDecodes) {
    const std::string wire = kamailioOfferWire();
    DecodeResult r = decode(wire);
    ASSERT_EQ(r.status, DecodeStatus::ok) << r.error;
    EXPECT_EQ(r.consumed, wire.size());
    const Value& d = r.value;
    ASSERT_TRUE(d.isDict());
    EXPECT_EQ(d.find("command")->str(), "offer");
    EXPECT_EQ(d.find("call-id")->str(), "a84b4c76e66710@pc33.example.com");
    EXPECT_EQ(d.find("from-tag")->str(), "1928301774");
    EXPECT_EQ(d.find("to-tag"), nullptr);
    EXPECT_EQ(d.find("sdp")->str(), kOfferSdp);
    EXPECT_EQ(d.find("flags")->items(), List{"trust-address"});
    EXPECT_EQ(d.find("replace")->items(), (List{"origin", "session-connection"}));
    EXPECT_EQ(d.find("received-from")->items(), (List{"IP4", "192.0.2.10"}));
    EXPECT_EQ(d.find("supports")->items(), List{"load limit"});
    EXPECT_EQ(d.entries().front().first, "supports");
    EXPECT_EQ(d.entries().back().first, "command");

    EXPECT_EQ(d, kamailioOfferValue());
    EXPECT_EQ(encode(kamailioOfferValue()), wire);
}

TEST(BencodeKamailio, EveryPrefixOfAnOfferIsIncomplete) {
    const std::string wire = "cookie " + kamailioOfferWire();
    const std::string_view payload = std::string_view(wire).substr(7);
    for (size_t n = 0; n < payload.size(); ++n) {
        DecodeResult r = decode(payload.substr(0, n));
        ASSERT_EQ(r.status, DecodeStatus::incomplete) << "prefix of " << n << ": " << r.error;
    }
    EXPECT_EQ(decode(payload).status, DecodeStatus::ok);
}

TEST(BencodeKamailio, ReplyShape) {
    // rtpengine puts "result" last; the reply must be written in exactly that order.
    Value reply = Value::dict();
    reply.set("sdp", "v=0\r\n");
    reply.set("result", "ok");
    EXPECT_EQ(encode(reply), "d3:sdp5:v=0\r\n6:result2:oke");
    Value error(Dict{{"result", "error"}, {"error-reason", "Unknown call-id"}});
    EXPECT_EQ(encode(error), "d6:result5:error12:error-reason15:Unknown call-ide");
}

}  // namespace
