#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/IpAddress.h"

namespace rtprelay::test {

// A test's media endpoint: a UDP socket that sends RTP/RTCP to the relay and collects what
// arrives, with the source and the TOS byte of each packet.
class MediaPeer {
public:
    explicit MediaPeer(const std::string& address = "127.0.0.1", uint16_t port = 0);
    ~MediaPeer();
    MediaPeer(const MediaPeer&) = delete;
    MediaPeer& operator=(const MediaPeer&) = delete;

    uint16_t port() const { return port_; }
    const net::IpAddress& address() const { return address_; }
    net::Endpoint endpoint() const { return net::Endpoint(address_, port_); }

    void send(const net::Endpoint& to, const std::vector<uint8_t>& packet);

    struct Received {
        std::vector<uint8_t> data;
        net::Endpoint from;
        int tos = -1;
    };
    // Everything that arrives within `quiet` of the previous packet (or of the call).
    std::vector<Received> drain(std::chrono::milliseconds quiet = std::chrono::milliseconds(200));

private:
    int fd_ = -1;
    net::IpAddress address_;
    uint16_t port_ = 0;
};

// RTP with version 2; the payload starts with `marker` so tests can tell whose packet it is.
std::vector<uint8_t> rtpPacket(uint16_t seq, uint32_t ssrc, uint8_t marker, uint8_t pt = 0,
                               size_t payload = 160);
// An RTCP receiver report with one report block.
std::vector<uint8_t> rtcpReceiverReport(uint32_t ssrc, uint32_t about, uint8_t fractionLost,
                                        uint32_t cumulativeLost, uint32_t jitter);

}  // namespace rtprelay::test
