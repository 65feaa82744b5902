#include "sdp/MediaDescription.h"

#include <algorithm>

#include "sdp/StaticPayloadTypes.h"

namespace rtprelay::sdp {

bool isRtpProtocol(std::string_view protocol) {
    while (!protocol.empty()) {
        size_t slash = protocol.find('/');
        std::string_view part = protocol.substr(0, slash);
        if (part.size() == 3 && (part[0] == 'R' || part[0] == 'r') &&
            (part[1] == 'T' || part[1] == 't') && (part[2] == 'P' || part[2] == 'p')) {
            return true;
        }
        if (slash == std::string_view::npos) {
            break;
        }
        protocol.remove_prefix(slash + 1);
    }
    return false;
}

bool MediaDescription::hasFormat(std::string_view format) const {
    return std::find(formats.begin(), formats.end(), format) != formats.end();
}

const RtpMap* MediaDescription::findRtpMap(std::string_view format) const {
    for (const auto& map : rtpMaps) {
        if (map.payloadType == format) {
            return &map;
        }
    }
    return nullptr;
}

std::optional<RtpMap> MediaDescription::effectiveRtpMap(std::string_view format) const {
    if (const RtpMap* map = findRtpMap(format)) {
        return *map;
    }
    if (!isRtp()) {
        return std::nullopt;
    }
    auto pt = parsePayloadType(format);
    const StaticPayloadType* known = pt ? findStaticPayloadType(*pt) : nullptr;
    if (known == nullptr) {
        return std::nullopt;
    }
    RtpMap map;
    map.payloadType = std::string(format);
    map.encoding = std::string(known->encoding);
    map.clockRate = known->clockRate;
    if (known->channels != 1) {
        map.channels = known->channels;
    }
    return map;
}

bool MediaDescription::removeFormat(std::string_view format) {
    if (std::erase(formats, format) == 0) {
        return false;
    }
    std::erase_if(rtpMaps, [&](const RtpMap& m) { return m.payloadType == format; });
    std::erase_if(fmtps, [&](const Fmtp& f) { return f.payloadType == format; });
    std::erase_if(rtcpFbs, [&](const RtcpFb& f) { return f.payloadType == format; });
    return true;
}

void MediaDescription::removeIce() {
    iceLite = false;
    iceUfrag.reset();
    icePwd.reset();
    iceOptions.reset();
    candidates.clear();
    endOfCandidates = false;
    std::erase_if(attributes, [](const Attribute& a) { return isIceAttributeName(a.name); });
}

const Attribute* MediaDescription::findAttribute(std::string_view name) const {
    for (const auto& attribute : attributes) {
        if (attribute.name == name) {
            return &attribute;
        }
    }
    return nullptr;
}

size_t MediaDescription::removeAttributes(std::string_view name) {
    return std::erase_if(attributes, [&](const Attribute& a) { return a.name == name; });
}

}  // namespace rtprelay::sdp
