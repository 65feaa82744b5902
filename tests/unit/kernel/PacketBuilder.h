#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/IpAddress.h"

namespace rtprelay::kernel::test {

// Builds Ethernet + IPv4/IPv6 + UDP frames with correct checksums for golden-packet tests:
//   PacketBuilder().from("10.0.0.2", 4000).to("10.0.0.1", 30000).rtp(0, 160).build()
// Addresses decide the family. Knobs for the cases the program must refuse are explicit
// (udpLengthDelta, ipOptions, fragment) rather than post-hoc byte edits in the tests.
class PacketBuilder {
public:
    PacketBuilder& from(const std::string& address, uint16_t port);
    PacketBuilder& to(const std::string& address, uint16_t port);
    PacketBuilder& tos(uint8_t value);
    PacketBuilder& ttl(uint8_t value);
    PacketBuilder& flowLabel(uint32_t value);
    PacketBuilder& payload(std::vector<uint8_t> bytes);
    // RTP v2 header with payload type `pt` (marker clear) and `size` bytes in total.
    PacketBuilder& rtp(uint8_t pt, size_t size);
    // RTCP receiver report (PT 201) of `size` bytes in total.
    PacketBuilder& rtcp(size_t size = 32);
    // STUN binding request with the RFC 5389 magic cookie.
    PacketBuilder& stun();
    // DTLS 1.2 handshake record header plus filler.
    PacketBuilder& dtls();
    PacketBuilder& zeroUdpChecksum();          // IPv4 only: "no checksum"
    PacketBuilder& udpLengthDelta(int delta);  // UDP length field off by `delta`
    PacketBuilder& ipOptions();                // IPv4 with 4 bytes of options (NOP)
    PacketBuilder& fragment();                 // IPv4 with the MF flag
    PacketBuilder& etherType(uint16_t type);   // overrides the one for the family

    std::vector<uint8_t> build() const;

private:
    net::Endpoint source_;
    net::Endpoint destination_;
    uint8_t tos_ = 0;
    uint8_t ttl_ = 64;
    uint32_t flowLabel_ = 0;
    std::vector<uint8_t> payload_;
    bool zeroUdpChecksum_ = false;
    int udpLengthDelta_ = 0;
    bool ipOptions_ = false;
    bool fragment_ = false;
    std::optional<uint16_t> etherType_;
};

// A frame as the tests read it back. Offsets assume no IP options.
struct ParsedFrame {
    bool ipv6 = false;
    net::Endpoint source;
    net::Endpoint destination;
    uint8_t tos = 0;
    uint8_t ttl = 0;  // hop limit for IPv6
    uint32_t flowLabel = 0;
    uint16_t ipId = 0;
    std::vector<uint8_t> payload;
    bool ipChecksumValid = false;  // always true for IPv6 (no header checksum)
    bool udpChecksumValid = false;
    uint16_t udpChecksum = 0;

    static std::optional<ParsedFrame> parse(const std::vector<uint8_t>& frame);
};

}  // namespace rtprelay::kernel::test
