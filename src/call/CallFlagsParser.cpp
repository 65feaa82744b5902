#include "call/CallFlagsParser.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace rtprelay::call {
namespace {

using control::NgError;
using control::NgRequest;
namespace bencode = control::bencode;

// Bracket nesting in rtpp-flags becomes recursion; keep it well inside bencode's own limit.
constexpr int maxRtppNesting = 16;

enum class Key {
    callId,
    fromTag,
    toTag,
    viaBranch,
    label,
    sdp,
    receivedFrom,
    mediaAddress,
    addressFamily,
    direction,
    interface,
    toInterface,
    transportProtocol,
    tos,
    endpointLearning,
    ice,
    replace,
    rtcpMux,
    codec,
    sdes,
    fromTags,
    supports,
    limit,
    deleteDelay,
    flags,
    rtppFlags,
    ignored,  // rtpengine knows it; nothing here needs it (yet), so no warning
};

const std::unordered_map<std::string_view, Key>& keyTable() {
    static const std::unordered_map<std::string_view, Key> table = [] {
        std::unordered_map<std::string_view, Key> t{
            {"call-id", Key::callId},
            {"call-ID", Key::callId},
            {"call id", Key::callId},
            {"call ID", Key::callId},
            {"from-tag", Key::fromTag},
            {"from tag", Key::fromTag},
            {"to-tag", Key::toTag},
            {"to_tag", Key::toTag},
            {"to tag", Key::toTag},
            {"via-branch", Key::viaBranch},
            {"via branch", Key::viaBranch},
            {"label", Key::label},
            {"from-label", Key::label},
            {"sdp", Key::sdp},
            {"SDP", Key::sdp},
            {"received from", Key::receivedFrom},
            {"received-from", Key::receivedFrom},
            {"media address", Key::mediaAddress},
            {"media-address", Key::mediaAddress},
            {"address family", Key::addressFamily},
            {"address-family", Key::addressFamily},
            {"direction", Key::direction},
            {"interface", Key::interface},
            {"from-interface", Key::interface},
            {"to-interface", Key::toInterface},
            {"transport protocol", Key::transportProtocol},
            {"transport-protocol", Key::transportProtocol},
            {"TOS", Key::tos},
            {"tos", Key::tos},
            {"endpoint-learning", Key::endpointLearning},
            {"endpoint learning", Key::endpointLearning},
            {"ICE", Key::ice},
            {"replace", Key::replace},
            {"rtcp-mux", Key::rtcpMux},
            {"codec", Key::codec},
            {"codecs", Key::codec},
            {"SDES", Key::sdes},
            {"from-tags", Key::fromTags},
            {"supports", Key::supports},
            {"limit", Key::limit},
            {"delete delay", Key::deleteDelay},
            {"delete-delay", Key::deleteDelay},
            {"delete_delay", Key::deleteDelay},
            {"flags", Key::flags},
            {"rtpp-flags", Key::rtppFlags},
            {"rtpp_flags", Key::rtppFlags},
        };
        // §2.5 keys with no CallFlags field: accepted silently, as rtpengine does.
        for (std::string_view k : {
                 "command",
                 "set-label",
                 "to-label",
                 "to-call-id",
                 "source-tag",
                 "source-call-id",
                 "calls",
                 "tags",
                 "peer",
                 "inbound-peer",
                 "outbound-peer",
                 "media echo",
                 "media-echo",
                 "drop-traffic",
                 "alias-key",
                 "ICE-lite",
                 "DTLS",
                 "DTLS-fingerprint",
                 "OSRTP",
                 "bundle",
                 "BUNDLE",
                 "extmap",
                 "sdp-attr",
                 "sdp-media-remove",
                 "ptime",
                 "ptime-reverse",
                 "T.38",
                 "T38",
                 "record call",
                 "record-call",
                 "metadata",
                 "recording-file",
                 "recording-path",
                 "output-destination",
                 "output-file",
                 "recording-dir",
                 "output-dir",
                 "recording-pattern",
                 "output-pattern",
                 "DTMF-security",
                 "DTMF-security-trigger",
                 "DTMF-security-trigger-end",
                 "trigger",
                 "trigger-end",
                 "trigger-end-time",
                 "trigger-end-digits",
                 "DTMF-delay",
                 "DTMF-log-dest",
                 "delay-buffer",
                 "frequency",
                 "frequencies",
                 "volume",
                 "code",
                 "digit",
                 "duration",
                 "pause",
                 "file",
                 "blob",
                 "blob64",
                 "db-id",
                 "repeat-times",
                 "repeat-duration",
                 "start-pos",
                 "moh",
                 "audio player",
                 "audio-player",
                 "player",
                 "generate RTCP",
                 "generate-RTCP",
                 "passthrough",
                 "xmlrpc-callback",
                 "sip-message-type",
                 "sip-code",
                 "template",
                 "instance",
                 "all",
                 "repacketize",
             }) {
            t.emplace(k, Key::ignored);
        }
        return t;
    }();
    return table;
}

// Key families rtpengine matches by prefix.
bool isKnownKeyPrefix(std::string_view key) {
    return key.starts_with("vsc-") || key.starts_with("recording-media-slot-");
}

// Known flags (dash form) that map onto a bool of their own.
const std::unordered_map<std::string_view, bool CallFlags::*>& boolFlags() {
    static const std::unordered_map<std::string_view, bool CallFlags::*> table{
        {"asymmetric", &CallFlags::asymmetric},
        // rtpengine warns about `symmetric` (it is the default there); we keep the intent.
        {"symmetric", &CallFlags::symmetric},
        {"strict-source", &CallFlags::strictSource},
        {"media-handover", &CallFlags::mediaHandover},
        {"port-latching", &CallFlags::portLatching},
        {"no-port-latching", &CallFlags::noPortLatching},
        {"original-sendrecv", &CallFlags::originalSendrecv},
        {"no-rtcp-attribute", &CallFlags::noRtcpAttribute},
        {"full-rtcp-attribute", &CallFlags::fullRtcpAttribute},
        {"to-tag", &CallFlags::toTagFlag},
        {"fatal", &CallFlags::fatal},
        {"fast", &CallFlags::fast},
        {"discard-recording", &CallFlags::discardRecording},
    };
    return table;
}

// Known flags (dash form) with no field; handlers look them up with CallFlags::hasFlag.
const std::unordered_set<std::string_view>& plainFlags() {
    static const std::unordered_set<std::string_view> table{
        "all",
        "allow-asymmetric-codecs",
        "allow-no-codec-media",
        "allow-transcoding",
        "force-transcoding",
        "audio-player",
        "bidirectional",
        "block-DTMF",
        "block-egress",
        "block-short",
        "debug",
        "detect-DTMF",
        "directional",
        "early-media",
        "egress",
        "exclude-recording",
        "fragment",
        "generate-mid",
        "generate-RTCP",
        "reject-ICE",
        "inactive",
        "inject-DTMF",
        "loop-protect",
        "RTCP-mirror",
        "mix",
        "NAT-wait",
        "new-branch",
        "reuse-codecs",
        "no-passthrough",
        "passthrough",
        "no-audio-player",
        "no-redis-update",
        "no-tls-id",
        "no-jitter-buffer",
        "pad-crypto",
        "pierce-NAT",
        "provisional",
        "record-call",
        "recording-VSC",
        "recording-announcement",
        "recrypt",
        "reset",
        "single-codec",
        "SIPREC",
        "skip-recording-db",
        "static-codecs",
        "strip-extmap",
        "trickle-ICE",
        "unidirectional",
        "unsubscribe",
        // Obsolete; rtpengine ignores them without a warning.
        "asymmetric-codecs",
        "symmetric-codecs",
        "reorder-codecs",
    };
    return table;
}

// Second spellings of one flag; `flags` holds only the first so handlers test one name.
const std::unordered_map<std::string_view, std::string_view>& flagAliases() {
    static const std::unordered_map<std::string_view, std::string_view> table{
        {"ICE-reject", "reject-ICE"},
        {"no-codec-renegotiation", "reuse-codecs"},
    };
    return table;
}

using CodecList = std::vector<std::string> CallFlags::*;

const std::unordered_map<std::string_view, CodecList>& codecSubKeys() {
    static const std::unordered_map<std::string_view, CodecList> table{
        {"strip", &CallFlags::codecStrip},   {"mask", &CallFlags::codecMask},
        {"except", &CallFlags::codecExcept}, {"offer", &CallFlags::codecOffer},
        {"accept", &CallFlags::codecAccept}, {"transcode", &CallFlags::codecTranscode},
        {"ignore", &CallFlags::codecIgnore}, {"consume", &CallFlags::codecConsume},
        {"set", &CallFlags::codecSet},
    };
    return table;
}

// `codec-strip-X` style flags and `codec-strip=X` rtpp-flags shortcuts, by their stem.
const std::vector<std::pair<std::string_view, std::string_view>>& codecStems() {
    static const std::vector<std::pair<std::string_view, std::string_view>> table{
        {"codec-strip", "strip"},   {"codec-mask", "mask"},     {"codec-except", "except"},
        {"codec-offer", "offer"},   {"codec-accept", "accept"}, {"codec-transcode", "transcode"},
        {"transcode", "transcode"}, {"codec-ignore", "ignore"}, {"codec-consume", "consume"},
        {"codec-set", "set"},
    };
    return table;
}

const std::vector<std::string_view>& explicitProtocols() {
    static const std::vector<std::string_view> table{
        "RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF", "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF",
    };
    return table;
}

std::string hyphenate(std::string_view s) {
    std::string out(s);
    std::replace(out.begin(), out.end(), ' ', '-');
    return out;
}

// Flag strings cannot carry '=' or ' ' (they would split the token), so rtpengine spells
// them "--" and ".." there (str_dup_escape).
std::string unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s[i] == '-' && s[i + 1] == '-') {
            out += '=';
            ++i;
        } else if (i + 1 < s.size() && s[i] == '.' && s[i + 1] == '.') {
            out += ' ';
            ++i;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::optional<std::string_view> afterPrefix(std::string_view s, std::string_view prefix) {
    if (!s.starts_with(prefix)) {
        return std::nullopt;
    }
    return s.substr(prefix.size());
}

void addUnknown(CallFlags& f, std::string_view what, std::string_view value) {
    f.unknown.push_back(fmt::format("{} '{}'", what, value));
}

void insertOnce(std::vector<std::string>& list, std::string value) {
    if (std::find(list.begin(), list.end(), value) == list.end()) {
        list.push_back(std::move(value));
    }
}

void applyReplace(CallFlags& f, std::string_view raw) {
    std::string v = hyphenate(raw);
    if (v == "SDP-version") {
        v = "sdp-version";
    }
    static const std::unordered_set<std::string_view> known{
        "origin",
        "origin-full",
        "session-name",
        "sdp-version",
        "username",
        "zero-address",
        "force-increment-sdp-ver",
        // Kamailio's and OpenSIPS' replace-session-connection: every c= line is rewritten to
        // the relay's address anyway, so it asks for what always happens.
        "session-connection",
    };
    if (known.count(v) != 0) {
        f.replace.insert(std::move(v));
    } else {
        addUnknown(f, "replace value", raw);
    }
}

void applyRtcpMux(CallFlags& f, std::string_view v) {
    static const std::unordered_set<std::string_view> known{"offer", "require", "demux", "accept",
                                                            "reject"};
    if (known.count(v) != 0) {
        f.rtcpMux.insert(std::string(v));
    } else {
        addUnknown(f, "rtcp-mux value", v);
    }
}

void applyIce(CallFlags& f, std::string_view raw) {
    std::string v = hyphenate(raw);
    std::replace(v.begin(), v.end(), '_', '-');
    if (v == "remove") {
        f.ice = IceMode::remove;
    } else if (v == "force") {
        f.ice = IceMode::force;
    } else if (v == "default") {
        f.ice = IceMode::defaultMode;
    } else if (v == "optional") {
        f.ice = IceMode::optional;
    } else if (v == "force-relay") {
        f.ice = IceMode::forceRelay;
    } else if (v == "trickle") {
        f.flags.insert("trickle-ICE");
    } else if (v == "ice2" || v.starts_with("lite")) {
        // ICE-lite and ice2 options: known to rtpengine, not implemented here.
    } else {
        addUnknown(f, "ICE value", raw);
    }
}

void applyEndpointLearning(CallFlags& f, std::string_view v) {
    if (v == "off" || v == "immediate" || v == "delayed" || v == "heuristic") {
        f.endpointLearning = std::string(v);
    } else {
        addUnknown(f, "endpoint-learning value", v);
    }
}

void applyAddressFamily(CallFlags& f, std::string_view v) {
    if (v == "IP4") {
        f.addressFamily = AddressFamilyChoice::ipv4;
    } else if (v == "IP6") {
        f.addressFamily = AddressFamilyChoice::ipv6;
    } else {
        addUnknown(f, "address family value", v);
    }
}

void applyTransportProtocol(CallFlags& f, std::string_view v) {
    const auto& known = explicitProtocols();
    if (v == "accept" || std::find(known.begin(), known.end(), v) != known.end()) {
        f.transportProtocol = std::string(v);
    } else {
        addUnknown(f, "transport protocol value", v);
    }
}

void applySupports(CallFlags& f, std::string_view v) {
    if (v == "load limit" || v == "load-limit") {
        f.supportsLoadLimit = true;
    } else {
        addUnknown(f, "supports value", v);
    }
}

// rtpengine's ng_flags_webrtc: everything a browser peer needs, in one flag.
void applyWebRtc(CallFlags& f) {
    f.transportProtocol = "UDP/TLS/RTP/SAVPF";
    f.ice = IceMode::force;
    f.flags.insert("trickle-ICE");
    f.rtcpMux.insert("offer");
    f.rtcpMux.insert("require");
    f.noRtcpAttribute = true;
    insertOnce(f.sdes, "off");
    f.flags.insert("generate-mid");
}

bool applyFlagPrefix(CallFlags& f, std::string_view flag) {
    if (auto v = afterPrefix(flag, "replace-")) {
        applyReplace(f, *v);
        return true;
    }
    if (auto v = afterPrefix(flag, "rtcp-mux-")) {
        applyRtcpMux(f, *v);
        return true;
    }
    if (auto v = afterPrefix(flag, "endpoint-learning-")) {
        applyEndpointLearning(f, *v);
        return true;
    }
    if (auto v = afterPrefix(flag, "from-tags-")) {
        f.fromTags.push_back(unescape(*v));
        return true;
    }
    if (auto v = afterPrefix(flag, "SDES-")) {
        f.sdes.push_back(unescape(*v));
        return true;
    }
    for (const auto& [stem, subKey] : codecStems()) {
        if (flag.size() > stem.size() + 1 && flag.starts_with(stem) && flag[stem.size()] == '-') {
            (f.*codecSubKeys().at(subKey)).push_back(unescape(flag.substr(stem.size() + 1)));
            return true;
        }
    }
    for (std::string_view prefix : {"OSRTP-", "BUNDLE-", "T38-", "T.38-", "sdp-attr-"}) {
        if (flag.starts_with(prefix)) {
            return true;
        }
    }
    return false;
}

void applyFlag(CallFlags& f, std::string_view raw) {
    if (raw.empty()) {
        return;
    }
    std::string flag = hyphenate(raw);
    if (auto alias = flagAliases().find(flag); alias != flagAliases().end()) {
        flag = alias->second;
    }
    f.flags.insert(flag);

    if (auto b = boolFlags().find(flag); b != boolFlags().end()) {
        f.*(b->second) = true;
    } else if (flag == "trust-address") {
        f.trustAddress = true;
    } else if (flag == "SIP-source-address") {
        f.sipSourceAddress = true;
        f.trustAddress = false;
    } else if (flag == "WebRTC") {
        applyWebRtc(f);
    } else if (flag == "always-transcode") {
        // rtpengine: the same as `codec-accept-all`.
        insertOnce(f.codecAccept, "all");
    } else if (plainFlags().count(flag) == 0 && !applyFlagPrefix(f, flag)) {
        addUnknown(f, "flag", raw);
    }
}

void applyCodec(CallFlags& f, const NgRequest& request, const std::string& key) {
    const bencode::Value* v = request.find({key});
    if (!v->isDict()) {
        throw NgError(fmt::format("Invalid value type for key '{}': expected a dictionary", key));
    }
    NgRequest sub(*v, request.command(), request.peer());
    std::unordered_set<std::string_view> seen;
    for (const auto& [name, value] : v->entries()) {
        if (!seen.insert(name).second) {
            continue;
        }
        auto target = codecSubKeys().find(name);
        if (target == codecSubKeys().end()) {
            addUnknown(f, "codec key", name);
            continue;
        }
        std::vector<std::string> items;
        try {
            items = sub.list({name});
        } catch (const NgError& e) {
            throw NgError(fmt::format("Invalid value in key '{}': {}", key, e.what()));
        }
        for (const auto& item : items) {
            (f.*(target->second)).push_back(unescape(item));
        }
    }
}

void applyReceivedFrom(CallFlags& f, const NgRequest& request, const std::string& key) {
    const bencode::Value* v = request.find({key});
    if (v->isString() && v->str().find(',') == std::string::npos) {
        if (!v->str().empty()) {
            f.receivedFrom = v->str();
        }
        return;
    }
    // [family, address]: only the address matters, the family follows from it.
    auto items = request.list({key});
    if (!items.empty()) {
        f.receivedFrom = items.back();
    }
}

void applyRtppFlags(CallFlags& f, const NgRequest& request, std::string_view text);

void applyDict(CallFlags& f, const NgRequest& request, bool fromRtppFlags) {
    const bencode::Value& dict = request.dict();
    if (!dict.isDict()) {
        throw NgError("Request is not a dictionary");
    }
    // Duplicate keys: NgRequest's accessors see the first one, so that one wins everywhere.
    std::unordered_set<std::string_view> seen;
    for (const auto& entry : dict.entries()) {
        const std::string& key = entry.first;
        if (!seen.insert(key).second) {
            continue;
        }
        auto it = keyTable().find(key);
        if (it == keyTable().end()) {
            if (!isKnownKeyPrefix(key)) {
                addUnknown(f, "key", key);
            }
            continue;
        }
        switch (it->second) {
            case Key::callId:
                f.callId = request.string({key}).value_or("");
                break;
            case Key::fromTag:
                f.fromTag = request.string({key}).value_or("");
                break;
            case Key::toTag:
                f.toTag = request.string({key}).value_or("");
                break;
            case Key::viaBranch:
                f.viaBranch = request.string({key}).value_or("");
                break;
            case Key::label:
                f.label = request.string({key}).value_or("");
                break;
            case Key::sdp:
                // NgRequest::string turns integers into text; an integer SDP is a client bug.
                if (entry.second.isInt()) {
                    throw NgError(
                        fmt::format("Invalid value type for key '{}': expected a string", key));
                }
                f.sdp = request.string({key});
                break;
            case Key::receivedFrom:
                applyReceivedFrom(f, request, key);
                break;
            case Key::mediaAddress:
                f.mediaAddress = request.string({key});
                break;
            case Key::addressFamily:
                applyAddressFamily(f, request.string({key}).value_or(""));
                break;
            case Key::direction:
                for (auto& d : request.list({key})) {
                    f.direction.push_back(std::move(d));
                }
                break;
            case Key::interface:
                f.interface = request.string({key}).value_or("");
                break;
            case Key::toInterface:
                f.toInterface = request.string({key}).value_or("");
                break;
            case Key::transportProtocol:
                applyTransportProtocol(f, request.string({key}).value_or(""));
                break;
            case Key::tos: {
                // Out of range means "keep / use the configured TOS" in rtpengine.
                auto tos = request.integer({key});
                if (tos && *tos >= 0 && *tos <= 255) {
                    f.tos = static_cast<int>(*tos);
                }
                break;
            }
            case Key::endpointLearning:
                for (const auto& v : request.list({key})) {
                    applyEndpointLearning(f, v);
                }
                break;
            case Key::ice:
                for (const auto& v : request.list({key})) {
                    applyIce(f, v);
                }
                break;
            case Key::replace:
                for (const auto& v : request.list({key})) {
                    applyReplace(f, v);
                }
                break;
            case Key::rtcpMux:
                for (const auto& v : request.list({key})) {
                    applyRtcpMux(f, v);
                }
                break;
            case Key::codec:
                applyCodec(f, request, key);
                break;
            case Key::sdes:
                for (auto& v : request.list({key})) {
                    f.sdes.push_back(std::move(v));
                }
                break;
            case Key::fromTags:
                for (const auto& v : request.list({key})) {
                    f.fromTags.push_back(unescape(v));
                }
                break;
            case Key::supports:
                for (const auto& v : request.list({key})) {
                    applySupports(f, v);
                }
                break;
            case Key::limit:
                f.limit = request.integer({key});
                break;
            case Key::deleteDelay:
                f.deleteDelay = request.integer({key});
                break;
            case Key::flags:
                for (const auto& v : request.list({key})) {
                    applyFlag(f, v);
                }
                break;
            case Key::rtppFlags:
                if (fromRtppFlags) {
                    addUnknown(f, "key", key);  // no recursion through nested rtpp-flags
                } else {
                    applyRtppFlags(f, request, request.string({key}).value_or(""));
                }
                break;
            case Key::ignored:
                break;
        }
    }
}

// ---- rtpp-flags (§2.7) ----

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Splits on white space outside brackets. nullopt: unbalanced or too deeply nested brackets.
std::optional<std::vector<std::string_view>> splitRtppTokens(std::string_view text) {
    std::vector<std::string_view> out;
    int depth = 0;
    size_t start = std::string_view::npos;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (isSpace(c) && depth == 0) {
            if (start != std::string_view::npos) {
                out.push_back(text.substr(start, i - start));
                start = std::string_view::npos;
            }
            continue;
        }
        if (start == std::string_view::npos) {
            start = i;
        }
        if (c == '[') {
            if (++depth > maxRtppNesting) {
                return std::nullopt;
            }
        } else if (c == ']') {
            if (--depth < 0) {
                return std::nullopt;
            }
        }
    }
    if (depth != 0) {
        return std::nullopt;
    }
    if (start != std::string_view::npos) {
        out.push_back(text.substr(start));
    }
    return out;
}

bool isBracketed(std::string_view v) {
    return v.size() >= 2 && v.front() == '[' && v.back() == ']';
}

// "k=v" (not a nested list that happens to contain '=').
bool isAssignment(std::string_view token) {
    size_t eq = token.find('=');
    return eq != std::string_view::npos && eq > 0 && token.front() != '[';
}

std::optional<bencode::Value> parseRtppValue(std::string_view value);

// "[a b c]" → list; "[k=v k2=[x y]]" → dict.
std::optional<bencode::Value> parseBracketed(std::string_view inner) {
    auto tokens = splitRtppTokens(inner);
    if (!tokens) {
        return std::nullopt;
    }
    bool dict = !tokens->empty() && std::all_of(tokens->begin(), tokens->end(), isAssignment);
    bencode::Value out = dict ? bencode::Value::dict() : bencode::Value::list();
    for (std::string_view token : *tokens) {
        if (dict) {
            size_t eq = token.find('=');
            auto v = parseRtppValue(token.substr(eq + 1));
            if (!v) {
                return std::nullopt;
            }
            out.entries().emplace_back(std::string(token.substr(0, eq)), std::move(*v));
        } else {
            auto v = parseRtppValue(token);
            if (!v) {
                return std::nullopt;
            }
            out.push(std::move(*v));
        }
    }
    return out;
}

std::optional<bencode::Value> parseRtppValue(std::string_view value) {
    if (value.empty() || value.front() != '[') {
        return bencode::Value(value);
    }
    if (!isBracketed(value)) {
        return std::nullopt;
    }
    return parseBracketed(value.substr(1, value.size() - 2));
}

bencode::Value& entryOf(bencode::Value& dict, std::string_view key, bencode::Value init) {
    for (auto& [k, v] : dict.entries()) {
        if (k == key) {
            return v;
        }
    }
    return dict.entries().emplace_back(std::string(key), std::move(init)).second;
}

// The strings in a shortcut value: "a,b" or [a b].
std::vector<std::string> shortcutItems(const bencode::Value& v) {
    std::vector<std::string> out;
    auto addSplit = [&out](std::string_view s) {
        while (!s.empty()) {
            size_t comma = s.find(',');
            if (comma != 0) {
                out.emplace_back(s.substr(0, comma));
            }
            if (comma == std::string_view::npos) {
                break;
            }
            s.remove_prefix(comma + 1);
        }
    };
    if (v.isString()) {
        addSplit(v.str());
    } else if (v.isList()) {
        for (const auto& item : v.items()) {
            if (item.isString()) {
                addSplit(item.str());
            }
        }
    }
    return out;
}

// Transport-protocol bits, as rtpengine's flags parser combines `RTP`, `SRTP`, `AVP`, ...
constexpr unsigned transportSeen = 0x100;
constexpr unsigned transportSrtp = 0x1;
constexpr unsigned transportAvpf = 0x2;
constexpr unsigned transportDtls = 0x4;

bool applyTransportToken(std::string_view token, unsigned& bits) {
    if (token == "RTP") {
        bits = (bits | transportSeen) & ~transportSrtp;
    } else if (token == "AVP") {
        bits = (bits | transportSeen) & ~transportAvpf;
    } else if (token == "SRTP") {
        bits |= transportSeen | transportSrtp;
    } else if (token == "AVPF") {
        bits |= transportSeen | transportAvpf;
    } else if (token == "DTLS") {
        bits |= transportSeen | transportDtls;
    } else {
        return false;
    }
    return true;
}

std::string transportFromBits(unsigned bits) {
    bool avpf = (bits & transportAvpf) != 0;
    if (bits & transportDtls) {
        return avpf ? "UDP/TLS/RTP/SAVPF" : "UDP/TLS/RTP/SAVP";
    }
    if (bits & transportSrtp) {
        return avpf ? "RTP/SAVPF" : "RTP/SAVP";
    }
    return avpf ? "RTP/AVPF" : "RTP/AVP";
}

// Turns the string into the dictionary it stands for, then reads that like the request.
void applyRtppFlags(CallFlags& f, const NgRequest& request, std::string_view text) {
    auto tokens = splitRtppTokens(text);
    if (!tokens) {
        addUnknown(f, "rtpp-flags syntax", text);
        return;
    }
    bencode::Value dict = bencode::Value::dict();
    auto listOf = [&dict](std::string_view key) -> bencode::Value& {
        return entryOf(dict, key, bencode::Value::list());
    };
    unsigned transport = 0;
    const auto& protocols = explicitProtocols();

    for (std::string_view token : *tokens) {
        size_t eq = token.find('=');
        if (eq == std::string_view::npos) {
            if (applyTransportToken(token, transport)) {
                continue;
            }
            if (std::find(protocols.begin(), protocols.end(), token) != protocols.end()) {
                dict.set("transport-protocol", bencode::Value(token));
            } else if (token == "internal" || token == "external") {
                listOf("direction").push(bencode::Value(token));
            } else {
                listOf("flags").push(bencode::Value(token));
            }
            continue;
        }
        std::string_view key = token.substr(0, eq);
        auto value = parseRtppValue(token.substr(eq + 1));
        if (key.empty() || !value) {
            addUnknown(f, "rtpp-flags token", token);
            continue;
        }
        if (key == "direction") {
            for (auto& d : shortcutItems(*value)) {
                listOf("direction").push(bencode::Value(std::move(d)));
            }
            continue;
        }
        auto stem = std::find_if(codecStems().begin(), codecStems().end(),
                                 [key](const auto& s) { return s.first == key; });
        if (stem != codecStems().end()) {
            bencode::Value& codec = entryOf(dict, "codec", bencode::Value::dict());
            if (!codec.isDict()) {
                codec = bencode::Value::dict();  // a `codec=x` token before: replace it
            }
            bencode::Value& list = entryOf(codec, stem->second, bencode::Value::list());
            for (auto& c : shortcutItems(*value)) {
                list.push(bencode::Value(std::move(c)));
            }
            continue;
        }
        if (key == "to-tag") {
            listOf("flags").push(bencode::Value("to-tag"));
        } else if (key == "from-tag") {
            listOf("flags").push(bencode::Value("directional"));
        }
        dict.set(std::string(key), std::move(*value));
    }
    if (transport & transportSeen) {
        dict.set("transport-protocol", bencode::Value(transportFromBits(transport)));
    }
    NgRequest sub(dict, request.command(), request.peer());
    applyDict(f, sub, /*fromRtppFlags=*/true);
}

}  // namespace

CallFlags parseCallFlags(const control::NgRequest& request) {
    CallFlags f;
    applyDict(f, request, /*fromRtppFlags=*/false);
    // `trust address` wins over `SIP source address` whatever the order they came in.
    if (f.hasFlag("trust-address")) {
        f.trustAddress = true;
    }
    return f;
}

}  // namespace rtprelay::call
