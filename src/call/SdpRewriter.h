#pragma once

#include <string>
#include <vector>

#include "call/CallFlags.h"
#include "call/Party.h"
#include "sdp/SessionDescription.h"

namespace rtprelay::call {

// Builds the SDP a party receives: the sender's SDP with every media section pointed at the
// local sockets the receiver will send to, plus the SDP manipulations the request asked for.
// The result is generated from the model (rtpengine's canonical layout), not text-patched.
class SdpRewriter {
public:
    SdpRewriter(const CallFlags& flags, bool isOffer) : flags_(flags), isOffer_(isOffer) {}

    // `receiver.media[i].sockets` must be open for every accepted media section of `source`.
    // Warnings (e.g. features not supported yet) are appended for the reply.
    std::string rewrite(const sdp::SessionDescription& source, Party& receiver,
                        std::vector<std::string>& warnings) const;

    // Codec filters of the request applied to one media section (strip, mask, except, offer).
    void filterCodecs(sdp::MediaDescription& media, std::vector<std::string>& warnings) const;

private:
    void rewriteOrigin(sdp::SessionDescription& out, Party& receiver,
                       const net::IpAddress& address) const;

    const CallFlags& flags_;
    bool isOffer_;
};

// "PCMU/8000" style name of a media section's first format (for query and logs).
std::string firstCodecName(const sdp::MediaDescription& media);

}  // namespace rtprelay::call
