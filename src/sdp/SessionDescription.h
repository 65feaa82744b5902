#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/Attribute.h"
#include "sdp/Bandwidth.h"
#include "sdp/Connection.h"
#include "sdp/Direction.h"
#include "sdp/ExtraLine.h"
#include "sdp/MediaDescription.h"
#include "sdp/Origin.h"
#include "sdp/Timing.h"

namespace rtprelay::sdp {

// An SDP body as a plain value the engine edits before writing it back out. The version is
// not stored: only v=0 exists and the parser rejects anything else.
struct SessionDescription {
    Origin origin;
    std::string sessionName;  // "" for `s=` / `s= ` / no s= line; "-" for `s=-`
    std::optional<std::string> info;
    std::optional<std::string> uri;
    std::vector<std::string> emails;
    std::vector<std::string> phones;
    // Read for media without their own c=, but never written: the writer puts the effective
    // connection on every m= section, as rtpengine does.
    std::optional<Connection> connection;
    std::vector<Bandwidth> bandwidths;
    std::vector<Timing> timings;         // empty: written as t=0 0
    std::vector<std::string> timeZones;  // z= values
    std::vector<ExtraLine> extraLines;   // k= and unknown line types
    std::vector<Attribute> attributes;   // session attributes other than direction
    std::optional<Direction> direction;  // moved to media that have none on output
    std::vector<MediaDescription> media;

    // The media's own c=, else the session's; nullptr when there is neither (which RFC 8866
    // forbids, but the parser leaves the verdict to the engine) or the index is out of range.
    const Connection* effectiveConnection(size_t mediaIndex) const;
    // The media's direction, else the session's, else sendrecv.
    Direction effectiveDirection(size_t mediaIndex) const;

    const Attribute* findAttribute(std::string_view name) const;
    size_t removeAttributes(std::string_view name);
    bool iceLite() const { return findAttribute("ice-lite") != nullptr; }
    // Strips ICE from the session level and from every media section.
    void removeIce();

    friend bool operator==(const SessionDescription&, const SessionDescription&) = default;
};

}  // namespace rtprelay::sdp
