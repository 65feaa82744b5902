#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/IpAddress.h"
#include "media/LegRuntime.h"
#include "media/LocalInterface.h"
#include "media/SocketPair.h"
#include "sdp/Direction.h"
#include "sdp/Origin.h"
#include "sdp/SessionDescription.h"

namespace rtprelay::call {

// One party's side of one m= line: where the party wants media (from its SDP) and the local
// sockets it sends media to (advertised to it in the SDP we send it).
struct MediaLeg {
    size_t index = 0;  // 0-based position of the m= line
    std::string type;
    std::string protocol;
    bool rejected = false;
    bool hasRemote = false;  // this party sent SDP for this media
    std::optional<net::Endpoint> rtpEndpoint;
    std::optional<net::Endpoint> rtcpEndpoint;
    bool offeredMux = false;         // the party's own SDP carried a=rtcp-mux
    bool muxOfferedToParty = false;  // our offer to the party carried a=rtcp-mux
    bool acceptMux = false;          // rtcp-mux demux/accept/require: accept the party's mux
    bool rejectMux = false;          // rtcp-mux reject
    bool rtcpMux = false;            // negotiated: RTCP shares the RTP port on this leg
    sdp::Direction direction = sdp::Direction::sendrecv;
    std::string codec;  // first format, e.g. "PCMU/8000"
    std::unique_ptr<media::SocketPair> sockets;
    // Counters and learning state shared with the relay worker.
    std::shared_ptr<media::LegRuntime> runtime = std::make_shared<media::LegRuntime>();
};

// A party of a call (rtpengine's "monologue"): one SIP tag, or an untagged callee told apart
// by its via-branch until its answer names it.
class Party {
public:
    std::string tag;
    std::vector<std::string> tagAliases;
    std::string viaBranch;
    std::string label;
    std::chrono::system_clock::time_point created = std::chrono::system_clock::now();
    Party* peer = nullptr;

    // Where this party's media is handled: its side's logical interface and address family.
    const media::LogicalInterface* interface = nullptr;
    net::Family family = net::Family::ipv4;
    int tos = 0;

    std::optional<sdp::SessionDescription> lastSdp;  // the last SDP this party sent us
    std::vector<std::unique_ptr<MediaLeg>> media;

    // State of the SDP we send to this party, for `replace` options that keep it stable.
    std::optional<sdp::Origin> originSent;
    std::string lastBodySent;
    std::optional<std::string> sessionNameSent;

    // Relay behaviour requested by signalling.
    bool strictSource = false;
    bool mediaHandover = false;
    bool asymmetric = false;
    bool blocked = false;  // `block media` for what this party sends
    media::LearningMode learning = media::LearningMode::heuristic;
    bool offerer = false;  // sent the call's first offer (FROM_TAG in CDRs)
    std::optional<std::chrono::system_clock::time_point> ended;

    bool answeredOrOffered() const { return lastSdp.has_value(); }
    bool matchesTag(const std::string& t) const;
    MediaLeg& leg(size_t index);
};

}  // namespace rtprelay::call
