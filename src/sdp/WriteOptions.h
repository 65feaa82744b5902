#pragma once

namespace rtprelay::sdp {

struct WriteOptions {
    // rtpengine's `original sendrecv` flag: a media section whose direction is only implied
    // (none of its own, none at session level) gets no a=sendrecv.
    bool originalSendrecv = false;
    // Normally a=rtcp is left out when a=rtcp-mux is set, since the RTCP port is then the RTP
    // port. An offerer that cannot yet know whether mux will be accepted advertises both.
    bool rtcpWithMux = false;
};

}  // namespace rtprelay::sdp
