#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/Attribute.h"
#include "sdp/Bandwidth.h"
#include "sdp/Connection.h"
#include "sdp/Direction.h"
#include "sdp/ExtraLine.h"
#include "sdp/Fmtp.h"
#include "sdp/RtcpAttribute.h"
#include "sdp/RtcpFb.h"
#include "sdp/RtpMap.h"

namespace rtprelay::sdp {

// True when a transport protocol carries RTP ("RTP/AVP", "UDP/TLS/RTP/SAVPF", "TCP/RTP/AVP"):
// its formats are payload type numbers and static ones get an a=rtpmap on output.
bool isRtpProtocol(std::string_view protocol);

// One m= section. Attributes the engine reads or rewrites have typed fields; all others stay
// in `attributes`, in their original order. The writer emits the typed fields in rtpengine's
// fixed order, so the order they arrived in is not kept.
struct MediaDescription {
    std::string type;  // audio, video, application, image, text, message, or any token
    uint16_t port = 0;
    std::optional<uint16_t> portCount;  // m=audio 49170/2
    std::string protocol;
    std::vector<std::string> formats;  // payload type numbers for RTP protocols
    std::optional<std::string> info;
    std::optional<Connection> connection;
    std::vector<Bandwidth> bandwidths;
    std::vector<ExtraLine> extraLines;

    std::optional<std::string> mid;
    std::optional<std::string> label;
    bool bundleOnly = false;
    // Codec attributes, keyed by format. Entries for formats absent from `formats` are not
    // written, as rtpengine builds these lines from the m= list.
    std::vector<RtpMap> rtpMaps;
    std::vector<Fmtp> fmtps;
    std::vector<RtcpFb> rtcpFbs;
    std::vector<std::string>
        extmaps;  // raw values: "1 urn:ietf:params:rtp-hdrext:ssrc-audio-level"
    std::vector<Attribute> attributes;   // pass-through (ssrc, msid, rtcp-rsize, unknown, ...)
    std::optional<Direction> direction;  // absent: inherit the session's, else sendrecv
    std::optional<RtcpAttribute> rtcp;
    bool rtcpMux = false;
    std::vector<std::string> cryptos;  // raw a=crypto values (RFC 4568)
    std::optional<std::string> setup;
    std::vector<std::string> fingerprints;
    std::optional<std::string> tlsId;
    std::optional<uint32_t> ptime;
    std::optional<uint32_t> maxptime;
    bool iceLite = false;
    std::optional<std::string> iceUfrag;
    std::optional<std::string> icePwd;
    std::optional<std::string> iceOptions;
    std::vector<std::string> candidates;  // raw a=candidate values
    bool endOfCandidates = false;

    bool isRtp() const { return isRtpProtocol(protocol); }
    bool isRejected() const { return port == 0; }
    bool hasFormat(std::string_view format) const;

    // The first a=rtpmap for `format`, if any.
    const RtpMap* findRtpMap(std::string_view format) const;
    // The a=rtpmap for `format`, or for an RTP protocol the static RFC 3551 meaning.
    std::optional<RtpMap> effectiveRtpMap(std::string_view format) const;

    // Drops `format` from the m= line together with its rtpmap, fmtp and rtcp-fb lines.
    // Returns false if the format was not listed.
    bool removeFormat(std::string_view format);
    // Forgets this side's ICE agent: credentials, options, candidates and ice-lite, including
    // any ICE attribute that ended up in the pass-through list.
    void removeIce();

    const Attribute* findAttribute(std::string_view name) const;
    // Removes every pass-through attribute called `name`; returns how many went.
    size_t removeAttributes(std::string_view name);

    friend bool operator==(const MediaDescription&, const MediaDescription&) = default;
};

}  // namespace rtprelay::sdp
