#include "call/SdpRewriter.h"

#include <algorithm>
#include <cctype>

#include "common/Text.h"
#include "sdp/Writer.h"

namespace rtprelay::call {

namespace {

// A codec filter entry names an encoding ("PCMA"), optionally with its clock rate
// ("opus/48000"), or "all".
bool codecMatches(const std::string& filter, const sdp::MediaDescription& media,
                  const std::string& format) {
    if (filter == "all") {
        return true;
    }
    auto map = media.effectiveRtpMap(format);
    if (!map) {
        return filter == format;
    }
    std::string_view name = filter;
    std::string_view rate;
    if (auto slash = name.find('/'); slash != std::string_view::npos) {
        rate = name.substr(slash + 1);
        name = name.substr(0, slash);
        if (auto second = rate.find('/'); second != std::string_view::npos) {
            rate = rate.substr(0, second);
        }
    }
    if (!text::equalsIgnoreCase(name, map->encoding)) {
        return false;
    }
    return rate.empty() || rate == std::to_string(map->clockRate);
}

bool anyMatches(const std::vector<std::string>& filters, const sdp::MediaDescription& media,
                const std::string& format) {
    return std::any_of(filters.begin(), filters.end(),
                       [&](const std::string& f) { return codecMatches(f, media, format); });
}

bool isSrtp(std::string_view protocol) {
    return protocol.find("SAVP") != std::string_view::npos;
}

}  // namespace

std::string firstCodecName(const sdp::MediaDescription& media) {
    if (media.formats.empty()) {
        return {};
    }
    auto map = media.effectiveRtpMap(media.formats.front());
    if (!map) {
        return media.formats.front();
    }
    std::string name = map->encoding + "/" + std::to_string(map->clockRate);
    if (map->channels && *map->channels > 1) {
        name += "/" + std::to_string(*map->channels);
    }
    return name;
}

void SdpRewriter::filterCodecs(sdp::MediaDescription& media,
                               std::vector<std::string>& warnings) const {
    if (!media.isRtp()) {
        return;
    }
    std::vector<std::string> removed;
    auto removable = [&](const std::string& format) {
        bool stripped = anyMatches(flags_.codecStrip, media, format) ||
                        anyMatches(flags_.codecMask, media, format);
        return stripped && !anyMatches(flags_.codecExcept, media, format);
    };
    std::vector<std::string> keep;
    for (const auto& f : media.formats) {
        if (removable(f)) {
            removed.push_back(f);
        } else {
            keep.push_back(f);
        }
    }
    if (keep.empty() && !removed.empty()) {
        warnings.push_back("codec filter would remove every codec of the " + media.type +
                           " stream, left unchanged");
        return;
    }
    for (const auto& f : removed) {
        media.removeFormat(f);
    }
    // `offer` moves codecs that are present to the front; adding absent ones would need
    // transcoding.
    std::vector<std::string> front;
    for (const auto& wanted : flags_.codecOffer) {
        bool found = false;
        for (const auto& f : media.formats) {
            if (codecMatches(wanted, media, f)) {
                if (std::find(front.begin(), front.end(), f) == front.end()) {
                    front.push_back(f);
                }
                found = true;
            }
        }
        if (!found && wanted != "all") {
            warnings.push_back("codec '" + wanted +
                               "' cannot be offered: not in the SDP and transcoding is not "
                               "supported yet");
        }
    }
    if (!front.empty()) {
        std::vector<std::string> ordered = front;
        for (const auto& f : media.formats) {
            if (std::find(front.begin(), front.end(), f) == front.end()) {
                ordered.push_back(f);
            }
        }
        media.formats = std::move(ordered);
    }
}

void SdpRewriter::rewriteOrigin(sdp::SessionDescription& out, Party& receiver,
                                const net::IpAddress& address) const {
    bool replaceOrigin = flags_.replace.count("origin") || flags_.replace.count("origin-full");
    if (replaceOrigin) {
        out.origin.address = address.toString();
        out.origin.addrType = std::string(address.sdpFamily());
        out.origin.netType = "IN";
    }
    if (flags_.replace.count("origin-full")) {
        out.origin.username = "-";
    }
    // Options that keep what this receiver saw first stable across re-INVITEs.
    if (receiver.originSent) {
        if (flags_.replace.count("username")) {
            out.origin.username = receiver.originSent->username;
        }
        if (flags_.replace.count("origin-full")) {
            out.origin.sessionId = receiver.originSent->sessionId;
        }
    }
    if (flags_.replace.count("session-name")) {
        if (!receiver.sessionNameSent) {
            receiver.sessionNameSent = out.sessionName;
        }
        out.sessionName = *receiver.sessionNameSent;
    }
}

std::string SdpRewriter::rewrite(const sdp::SessionDescription& source, Party& receiver,
                                 std::vector<std::string>& warnings) const {
    sdp::SessionDescription out = source;
    net::IpAddress sessionAddress;
    bool haveAddress = false;

    bool hadIce = false;
    for (const auto& m : source.media) {
        hadIce = hadIce || m.iceUfrag || !m.candidates.empty();
    }
    hadIce = hadIce || source.findAttribute("ice-ufrag") || source.iceLite();
    if (hadIce && flags_.ice != IceMode::remove) {
        warnings.push_back("ICE is not supported yet: ICE attributes removed");
    }
    out.removeIce();

    for (size_t i = 0; i < out.media.size(); ++i) {
        sdp::MediaDescription& m = out.media[i];
        MediaLeg* leg = i < receiver.media.size() ? receiver.media[i].get() : nullptr;
        if (m.isRejected() || !leg || !leg->sockets) {
            m.port = 0;
            m.portCount.reset();
            m.connection = sdp::Connection::fromIp(net::IpAddress::anyOf(receiver.family));
            m.rtcp.reset();
            m.rtcpMux = false;
            continue;
        }
        const media::LocalAddress& local = leg->sockets->address();
        if (!haveAddress) {
            sessionAddress = local.advertised();
            haveAddress = true;
        }
        m.port = leg->sockets->rtpPort();
        m.portCount.reset();
        m.connection = sdp::Connection::fromIp(local.advertised());
        m.rtcpMux = isOffer_ ? leg->muxOfferedToParty : leg->rtcpMux;
        if (flags_.noRtcpAttribute || (m.rtcpMux && !isOffer_)) {
            m.rtcp.reset();
        } else {
            sdp::RtcpAttribute rtcp;
            rtcp.port = leg->sockets->rtcpPort();
            if (flags_.fullRtcpAttribute) {
                rtcp.connection = sdp::Connection::fromIp(local.advertised());
            }
            m.rtcp = rtcp;
        }
        filterCodecs(m, warnings);
        if (flags_.transportProtocol && *flags_.transportProtocol != "accept" &&
            *flags_.transportProtocol != m.protocol && m.isRtp()) {
            if (isSrtp(*flags_.transportProtocol) != isSrtp(m.protocol)) {
                warnings.push_back("transport-protocol " + *flags_.transportProtocol +
                                   " needs SRTP support, which is not available yet; " +
                                   m.protocol + " kept");
            } else {
                m.protocol = *flags_.transportProtocol;
            }
        }
    }
    if (!haveAddress) {
        sessionAddress = net::IpAddress::anyOf(receiver.family);
        if (receiver.interface) {
            sessionAddress = receiver.interface->addressFor(receiver.family)->advertised();
        }
    }
    out.connection = sdp::Connection::fromIp(sessionAddress);
    rewriteOrigin(out, receiver, sessionAddress);

    sdp::WriteOptions options;
    options.originalSendrecv = flags_.originalSendrecv;
    options.rtcpWithMux = isOffer_;
    // The SDP version must move only when the body changes (RFC 3264 §8), which some peers
    // check strictly: compare with the version-less body of the last SDP sent.
    bool stableVersion = flags_.replace.count("sdp-version") || flags_.replace.count("SDP-version");
    bool forceIncrement = flags_.replace.count("force-increment-sdp-ver") != 0;
    if (stableVersion || forceIncrement) {
        sdp::SessionDescription probe = out;
        probe.origin.sessionVersion = "0";
        std::string body = sdp::write(probe, options);
        if (receiver.originSent) {
            out.origin.sessionVersion = receiver.originSent->sessionVersion;
            if (forceIncrement || body != receiver.lastBodySent) {
                out.origin.incrementVersion();
            }
        }
        receiver.lastBodySent = std::move(body);
    }
    receiver.originSent = out.origin;
    return sdp::write(out, options);
}

}  // namespace rtprelay::call
