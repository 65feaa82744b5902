#include "sdp/Parser.h"

#include <cstdint>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "common/IpAddress.h"
#include "sdp/StaticPayloadTypes.h"

namespace rtprelay::sdp {

namespace {

bool isBlank(char c) {
    return c == ' ' || c == '\t';
}

bool isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool allDigits(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

// Digits only, value <= max. Leading zeros are fine: the value, not the text, is kept.
std::optional<uint64_t> parseNumber(std::string_view s, uint64_t max) {
    if (!allDigits(s)) {
        return std::nullopt;
    }
    uint64_t value = 0;
    for (char c : s) {
        value = value * 10 + static_cast<uint64_t>(c - '0');
        // Checked per digit so long inputs cannot overflow (max is far below 2^64 / 10).
        if (value > max) {
            return std::nullopt;
        }
    }
    return value;
}

std::string_view trimRight(std::string_view s) {
    while (!s.empty() && (isBlank(s.back()) || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

std::string_view trimLeft(std::string_view s) {
    while (!s.empty() && isBlank(s.front())) {
        s.remove_prefix(1);
    }
    return s;
}

// Splits on runs of blanks. The caller's line is already bounded by Limits::maxLineLength,
// which bounds the field count too.
std::vector<std::string_view> splitFields(std::string_view s) {
    std::vector<std::string_view> fields;
    s = trimLeft(s);
    while (!s.empty()) {
        size_t end = 0;
        while (end < s.size() && !isBlank(s[end])) {
            ++end;
        }
        fields.push_back(s.substr(0, end));
        s = trimLeft(s.substr(end));
    }
    return fields;
}

// "96 nack pli" -> {"96", "nack pli"}.
std::pair<std::string_view, std::string_view> splitToken(std::string_view s) {
    size_t end = 0;
    while (end < s.size() && !isBlank(s[end])) {
        ++end;
    }
    return {s.substr(0, end), trimLeft(s.substr(end))};
}

// Quotes peer-supplied text for an error message: bounded, and without control bytes that
// could forge log lines.
std::string quote(std::string_view s) {
    constexpr size_t kMaxShown = 40;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "'";
    for (size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c >= 0x7f) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (s.size() > kMaxShown) {
        out += "...";
    }
    out += "'";
    return out;
}

// Validates "IN IP4|IP6 <literal>[/ttl[/count]]". On failure `error` says why.
bool parseConnectionFields(std::string_view netType, std::string_view addrType,
                           std::string_view address, bool allowSuffix, Connection& out,
                           std::string& error) {
    if (netType != "IN") {
        error = "network type " + quote(netType) + " not supported";
        return false;
    }
    if (addrType != "IP4" && addrType != "IP6") {
        error = "address type " + quote(addrType) + " not supported";
        return false;
    }
    size_t slash = address.find('/');
    std::string_view host = address.substr(0, slash);
    std::string_view suffix = slash == std::string_view::npos ? "" : address.substr(slash);
    if (!suffix.empty()) {
        // "/ttl" or "/ttl/count" for IP4, "/count" for IP6; either way one or two numbers.
        std::string_view rest = suffix.substr(1);
        size_t second = rest.find('/');
        bool valid = allowSuffix &&
                     parseNumber(rest.substr(0, second), std::numeric_limits<uint32_t>::max()) &&
                     (second == std::string_view::npos ||
                      parseNumber(rest.substr(second + 1), std::numeric_limits<uint32_t>::max()));
        if (!valid) {
            error = "invalid TTL/count suffix " + quote(suffix);
            return false;
        }
    }
    // IpAddress::parse also takes "[v6]", which is not SDP syntax.
    auto ip = host.empty() || host.front() == '[' ? std::nullopt : net::IpAddress::parse(host);
    if (!ip || ip->isV4() != (addrType == "IP4")) {
        error = "invalid " + std::string(addrType) + " address " + quote(host);
        return false;
    }
    out.netType = std::string(netType);
    out.addrType = std::string(addrType);
    out.address = std::string(host);
    out.suffix = std::string(suffix);
    return true;
}

std::optional<RtpMap> parseRtpMap(std::string_view value) {
    auto [pt, rest] = splitToken(value);
    if (!parsePayloadType(pt) || rest.empty()) {
        return std::nullopt;
    }
    for (char c : rest) {
        if (isBlank(c)) {
            return std::nullopt;
        }
    }
    size_t slash1 = rest.find('/');
    if (slash1 == 0 || slash1 == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view clock = rest.substr(slash1 + 1);
    std::string_view channels;
    size_t slash2 = clock.find('/');
    bool hasChannels = slash2 != std::string_view::npos;
    if (hasChannels) {
        channels = clock.substr(slash2 + 1);
        clock = clock.substr(0, slash2);
    }
    constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
    auto clockRate = parseNumber(clock, kMax);
    auto channelCount = hasChannels ? parseNumber(channels, kMax) : std::optional<uint64_t>{};
    if (!clockRate || (hasChannels && !channelCount)) {
        return std::nullopt;
    }
    RtpMap map;
    map.payloadType = std::string(pt);
    map.encoding = std::string(rest.substr(0, slash1));
    map.clockRate = static_cast<uint32_t>(*clockRate);
    if (channelCount) {
        map.channels = static_cast<uint32_t>(*channelCount);
    }
    return map;
}

std::optional<RtcpAttribute> parseRtcp(std::string_view value) {
    auto fields = splitFields(value);
    if (fields.size() != 1 && fields.size() != 4) {
        return std::nullopt;
    }
    auto port = parseNumber(fields[0], 65535);
    if (!port) {
        return std::nullopt;
    }
    RtcpAttribute rtcp;
    rtcp.port = static_cast<uint16_t>(*port);
    if (fields.size() == 4) {
        Connection c;
        std::string ignored;
        if (!parseConnectionFields(fields[1], fields[2], fields[3], false, c, ignored)) {
            return std::nullopt;
        }
        rtcp.connection = std::move(c);
    }
    return rtcp;
}

// Media attributes with one typed value; the first occurrence wins and later ones are dropped,
// so a rewrite never carries two contradicting values.
struct SingleField {
    std::string_view name;
    std::optional<std::string> MediaDescription::*field;
};
constexpr SingleField kSingleFields[] = {
    {"mid", &MediaDescription::mid},
    {"label", &MediaDescription::label},
    {"setup", &MediaDescription::setup},
    {"tls-id", &MediaDescription::tlsId},
    {"ice-ufrag", &MediaDescription::iceUfrag},
    {"ice-pwd", &MediaDescription::icePwd},
    {"ice-options", &MediaDescription::iceOptions},
};

struct ListField {
    std::string_view name;
    std::vector<std::string> MediaDescription::*field;
};
constexpr ListField kListFields[] = {
    {"extmap", &MediaDescription::extmaps},
    {"crypto", &MediaDescription::cryptos},
    {"fingerprint", &MediaDescription::fingerprints},
    {"candidate", &MediaDescription::candidates},
};

struct FlagField {
    std::string_view name;
    bool MediaDescription::*field;
};
constexpr FlagField kFlagFields[] = {
    {"rtcp-mux", &MediaDescription::rtcpMux},
    {"bundle-only", &MediaDescription::bundleOnly},
    {"ice-lite", &MediaDescription::iceLite},
    {"end-of-candidates", &MediaDescription::endOfCandidates},
};

// Returns true if the attribute went into a typed field (or was a dropped duplicate).
bool addTypedMediaAttribute(MediaDescription& m, const Attribute& a) {
    if (!a.hasValue) {
        if (auto direction = directionFromString(a.name)) {
            if (!m.direction) {
                m.direction = direction;
            }
            return true;
        }
        for (const auto& flag : kFlagFields) {
            if (a.name == flag.name) {
                m.*flag.field = true;
                return true;
            }
        }
        return false;
    }
    for (const auto& single : kSingleFields) {
        if (a.name == single.name) {
            if (!(m.*single.field)) {
                m.*single.field = a.value;
            }
            return true;
        }
    }
    for (const auto& list : kListFields) {
        if (a.name == list.name) {
            (m.*list.field).push_back(a.value);
            return true;
        }
    }
    if (a.name == "rtpmap") {
        auto map = parseRtpMap(a.value);
        if (!map) {
            return false;
        }
        m.rtpMaps.push_back(std::move(*map));
        return true;
    }
    if (a.name == "fmtp" || a.name == "rtcp-fb") {
        auto [pt, rest] = splitToken(a.value);
        if (pt.empty()) {
            return false;
        }
        if (a.name == "fmtp") {
            m.fmtps.push_back(Fmtp{std::string(pt), std::string(rest)});
        } else {
            m.rtcpFbs.push_back(RtcpFb{std::string(pt), std::string(rest)});
        }
        return true;
    }
    if (a.name == "rtcp") {
        auto rtcp = parseRtcp(a.value);
        if (!rtcp) {
            return false;
        }
        if (!m.rtcp) {
            m.rtcp = std::move(rtcp);
        }
        return true;
    }
    if (a.name == "ptime" || a.name == "maxptime") {
        auto value = parseNumber(a.value, std::numeric_limits<uint32_t>::max());
        if (!value) {
            return false;
        }
        auto& slot = a.name == "ptime" ? m.ptime : m.maxptime;
        if (!slot) {
            slot = static_cast<uint32_t>(*value);
        }
        return true;
    }
    return false;
}

class Parser {
public:
    explicit Parser(const Limits& limits) : limits_(limits) {}

    ParseResult run(std::string_view text);

private:
    bool handleLine(char type, std::string_view value);
    bool handleSessionLine(char type, std::string_view value);
    bool handleMediaLine(char type, std::string_view value);
    bool parseVersion(std::string_view value);
    bool parseOrigin(std::string_view value);
    bool parseConnection(std::string_view value, std::optional<Connection>& slot);
    bool parseBandwidth(std::string_view value, std::vector<Bandwidth>& out);
    bool parseMedia(std::string_view value);
    bool parseAttribute(std::string_view value, Attribute& out);
    bool setOnce(std::optional<std::string>& slot, char type, std::string_view value);

    bool fail(std::string message) {
        error_ = std::move(message);
        return false;
    }

    const Limits& limits_;
    SessionDescription sdp_;
    std::string error_;
    bool sawVersion_ = false;
    bool sawOrigin_ = false;
    bool sawSessionName_ = false;
    size_t sectionAttributes_ = 0;
};

ParseResult Parser::run(std::string_view text) {
    if (text.size() > limits_.maxSize) {
        return ParseError{0, "SDP too large: " + std::to_string(text.size()) + " bytes (limit " +
                                 std::to_string(limits_.maxSize) + ")"};
    }
    size_t lineNumber = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        std::string_view raw =
            text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        pos = end == std::string_view::npos ? text.size() : end + 1;
        if (!raw.empty() && raw.back() == '\r') {
            raw.remove_suffix(1);
        }
        ++lineNumber;
        auto failAt = [&](const std::string& message) {
            return ParseError{lineNumber, "line " + std::to_string(lineNumber) + ": " + message};
        };
        if (lineNumber > limits_.maxLines) {
            return failAt("too many lines (limit " + std::to_string(limits_.maxLines) + ")");
        }
        if (raw.size() > limits_.maxLineLength) {
            return failAt("line too long: " + std::to_string(raw.size()) + " bytes (limit " +
                          std::to_string(limits_.maxLineLength) + ")");
        }
        // A NUL would truncate the text for anything downstream that treats it as a C string.
        if (raw.find('\0') != std::string_view::npos) {
            return failAt("NUL byte in line");
        }
        std::string_view line = trimRight(raw);
        if (line.empty()) {
            continue;
        }
        if (line.size() < 2 || line[1] != '=' || !isLetter(line[0])) {
            return failAt("malformed line " + quote(line) + ": expected '<letter>=<value>'");
        }
        if (!handleLine(line[0], line.substr(2))) {
            return failAt(error_);
        }
    }
    if (!sawVersion_) {
        return ParseError{0, "missing v= line: empty SDP"};
    }
    if (!sawOrigin_) {
        return ParseError{0, "missing o= line"};
    }
    return ParseResult(std::move(sdp_));
}

bool Parser::handleLine(char type, std::string_view value) {
    if (!sawVersion_) {
        if (type != 'v') {
            return fail("SDP must start with v=0");
        }
        sawVersion_ = true;
        return parseVersion(value);
    }
    if (type == 'v') {
        return fail("duplicate v= line");
    }
    if (type == 'm') {
        return parseMedia(value);
    }
    return sdp_.media.empty() ? handleSessionLine(type, value) : handleMediaLine(type, value);
}

bool Parser::handleSessionLine(char type, std::string_view value) {
    switch (type) {
        case 'o':
            if (sawOrigin_) {
                return fail("duplicate o= line");
            }
            sawOrigin_ = true;
            return parseOrigin(value);
        case 's':
            if (sawSessionName_) {
                return fail("duplicate s= line");
            }
            sawSessionName_ = true;
            sdp_.sessionName = std::string(value);
            return true;
        case 'i':
            return setOnce(sdp_.info, type, value);
        case 'u':
            return setOnce(sdp_.uri, type, value);
        case 'e':
            sdp_.emails.emplace_back(value);
            return true;
        case 'p':
            sdp_.phones.emplace_back(value);
            return true;
        case 'c':
            if (sdp_.connection) {
                return fail("duplicate c= line");
            }
            return parseConnection(value, sdp_.connection);
        case 'b':
            return parseBandwidth(value, sdp_.bandwidths);
        case 't':
            sdp_.timings.push_back(Timing{std::string(value), {}});
            return true;
        case 'r':
            if (sdp_.timings.empty()) {
                return fail("r= line without a preceding t= line");
            }
            sdp_.timings.back().repeats.emplace_back(value);
            return true;
        case 'z':
            sdp_.timeZones.emplace_back(value);
            return true;
        case 'a': {
            Attribute attribute;
            if (!parseAttribute(value, attribute)) {
                return false;
            }
            if (!attribute.hasValue) {
                if (auto direction = directionFromString(attribute.name)) {
                    if (!sdp_.direction) {
                        sdp_.direction = direction;
                    }
                    return true;
                }
            }
            sdp_.attributes.push_back(std::move(attribute));
            return true;
        }
        default:
            sdp_.extraLines.push_back(ExtraLine{type, std::string(value)});
            return true;
    }
}

bool Parser::handleMediaLine(char type, std::string_view value) {
    MediaDescription& m = sdp_.media.back();
    switch (type) {
        case 'i':
            return setOnce(m.info, type, value);
        case 'c':
            if (m.connection) {
                return fail("duplicate c= line in media section");
            }
            return parseConnection(value, m.connection);
        case 'b':
            return parseBandwidth(value, m.bandwidths);
        case 'a': {
            Attribute attribute;
            if (!parseAttribute(value, attribute)) {
                return false;
            }
            if (!addTypedMediaAttribute(m, attribute)) {
                m.attributes.push_back(std::move(attribute));
            }
            return true;
        }
        case 'o':
        case 's':
        case 'u':
        case 'e':
        case 'p':
        case 't':
        case 'r':
        case 'z':
            return fail(std::string(1, type) + "= line not allowed in a media section");
        default:
            m.extraLines.push_back(ExtraLine{type, std::string(value)});
            return true;
    }
}

bool Parser::parseVersion(std::string_view value) {
    if (value != "0") {
        return fail("unsupported version " + quote(value) + " (expected v=0)");
    }
    return true;
}

bool Parser::parseOrigin(std::string_view value) {
    auto fields = splitFields(value);
    if (fields.size() != 6) {
        return fail("invalid o= line: expected 6 fields, got " + std::to_string(fields.size()));
    }
    Origin& o = sdp_.origin;
    o.username = std::string(fields[0]);
    o.sessionId = std::string(fields[1]);
    o.sessionVersion = std::string(fields[2]);
    o.netType = std::string(fields[3]);
    o.addrType = std::string(fields[4]);
    o.address = std::string(fields[5]);
    return true;
}

bool Parser::parseConnection(std::string_view value, std::optional<Connection>& slot) {
    auto fields = splitFields(value);
    if (fields.size() != 3) {
        return fail("invalid c= line: expected 'IN IP4|IP6 <address>'");
    }
    Connection connection;
    std::string why;
    if (!parseConnectionFields(fields[0], fields[1], fields[2], true, connection, why)) {
        return fail("invalid c= line: " + why);
    }
    slot = std::move(connection);
    return true;
}

bool Parser::parseBandwidth(std::string_view value, std::vector<Bandwidth>& out) {
    size_t colon = value.find(':');
    if (colon == 0 || colon == std::string_view::npos) {
        return fail("invalid b= line: expected '<type>:<value>'");
    }
    out.push_back(
        Bandwidth{std::string(value.substr(0, colon)), std::string(value.substr(colon + 1))});
    return true;
}

bool Parser::parseMedia(std::string_view value) {
    if (sdp_.media.size() >= limits_.maxMedia) {
        return fail("too many media sections (limit " + std::to_string(limits_.maxMedia) + ")");
    }
    auto fields = splitFields(value);
    if (fields.size() < 3) {
        return fail("invalid m= line: expected '<media> <port> <proto> <format>...'");
    }
    if (fields.size() == 3) {
        return fail("invalid m= line: no formats");
    }
    if (fields.size() - 3 > limits_.maxFormats) {
        return fail("invalid m= line: too many formats (" + std::to_string(fields.size() - 3) +
                    ", limit " + std::to_string(limits_.maxFormats) + ")");
    }
    MediaDescription m;
    m.type = std::string(fields[0]);
    size_t slash = fields[1].find('/');
    std::string_view portText = fields[1].substr(0, slash);
    if (!allDigits(portText)) {
        return fail("invalid m= line: invalid port " + quote(portText));
    }
    auto port = parseNumber(portText, 65535);
    if (!port) {
        return fail("invalid m= line: port " + quote(portText) + " out of range");
    }
    m.port = static_cast<uint16_t>(*port);
    if (slash != std::string_view::npos) {
        std::string_view countText = fields[1].substr(slash + 1);
        auto count = parseNumber(countText, 65535);
        if (!count || *count == 0) {
            return fail("invalid m= line: invalid port count " + quote(countText));
        }
        m.portCount = static_cast<uint16_t>(*count);
    }
    m.protocol = std::string(fields[2]);
    bool rtp = isRtpProtocol(m.protocol);
    m.formats.reserve(fields.size() - 3);
    for (size_t i = 3; i < fields.size(); ++i) {
        if (rtp && !parsePayloadType(fields[i])) {
            return fail("invalid m= line: invalid payload type " + quote(fields[i]));
        }
        m.formats.emplace_back(fields[i]);
    }
    sdp_.media.push_back(std::move(m));
    sectionAttributes_ = 0;
    return true;
}

bool Parser::parseAttribute(std::string_view value, Attribute& out) {
    if (++sectionAttributes_ > limits_.maxAttributesPerSection) {
        return fail("too many attributes in section (limit " +
                    std::to_string(limits_.maxAttributesPerSection) + ")");
    }
    size_t colon = value.find(':');
    if (value.empty() || colon == 0) {
        return fail("invalid a= line: empty attribute name");
    }
    out.name = std::string(value.substr(0, colon));
    out.hasValue = colon != std::string_view::npos;
    if (out.hasValue) {
        out.value = std::string(value.substr(colon + 1));
    }
    return true;
}

bool Parser::setOnce(std::optional<std::string>& slot, char type, std::string_view value) {
    if (slot) {
        return fail("duplicate " + std::string(1, type) + "= line");
    }
    slot = std::string(value);
    return true;
}

}  // namespace

ParseResult parse(std::string_view text, const Limits& limits) {
    // Only allocation can throw here; keep the no-throw promise even then.
    try {
        return Parser(limits).run(text);
    } catch (const std::bad_alloc&) {
        return ParseError{0, "out of memory"};
    }
}

}  // namespace rtprelay::sdp
