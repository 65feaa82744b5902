#pragma once

#include <string>

#include "sdp/SessionDescription.h"
#include "sdp/WriteOptions.h"

namespace rtprelay::sdp {

// Regenerates SDP text in rtpengine's canonical layout (CRLF line ends): session c= and
// direction move into every media section, static payload types gain an a=rtpmap, each media
// section states its direction, and typed attributes come in a fixed order. Writes what the
// model holds: ports, addresses and ICE are the engine's to fill in beforehand.
std::string write(const SessionDescription& sdp, const WriteOptions& options = {});

}  // namespace rtprelay::sdp
