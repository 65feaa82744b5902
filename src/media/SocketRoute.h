#pragma once

#include <bitset>
#include <memory>
#include <optional>

#include "common/IpAddress.h"
#include "media/EndpointLearner.h"
#include "media/LegRuntime.h"

namespace rtprelay::media {

// Where packets arriving on one local socket go. Built by signalling, owned by the relay
// worker of the call; replaced as a whole whenever the call is re-signalled.
struct SocketRoute {
    int fd = -1;
    bool rtcpSocket = false;  // the RTCP port of a leg without rtcp-mux

    std::shared_ptr<LegRuntime> ingress;  // the party sending to this socket
    std::shared_ptr<LegRuntime> egress;   // the party receiving what arrives here

    // The receiving party's local sockets (media to it leaves from the port it sends to)
    // and the endpoints its SDP named.
    int outRtpFd = -1;
    int outRtcpFd = -1;
    std::optional<net::Endpoint> destRtp;
    std::optional<net::Endpoint> destRtcp;
    bool egressMux = false;         // the receiver takes RTCP on its RTP port
    bool egressAsymmetric = false;  // send to its SDP address even after learning

    bool blocked = false;                // `block media`: received and counted, not forwarded
    EndpointLearner::Settings learning;  // for the sender, on this socket

    // Kernel fast path: whether this route may be offloaded once both ends are known, and
    // what the kernel entry needs besides the above.
    bool kernelCandidate = false;
    net::Endpoint local;        // this socket's address
    net::Endpoint outRtpLocal;  // the receiver's sockets' addresses
    net::Endpoint outRtcpLocal;
    int tos = 0;
    std::bitset<128> kernelPayloadTypes;  // telephone-event and the like stay in userspace
};

}  // namespace rtprelay::media
