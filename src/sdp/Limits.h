#pragma once

#include <cstddef>

namespace rtprelay::sdp {

// Bounds on what parse() accepts. An SDP body travels in one SIP message, so these sit well
// above what real user agents send while capping what a hostile body can make us allocate.
struct Limits {
    size_t maxSize = 64 * 1024;  // bytes
    size_t maxLines = 2048;
    size_t maxLineLength = 4096;  // bytes, excluding the line end
    size_t maxMedia = 64;
    size_t maxFormats = 1024;  // per m= line
    size_t maxAttributesPerSection = 1024;
};

}  // namespace rtprelay::sdp
