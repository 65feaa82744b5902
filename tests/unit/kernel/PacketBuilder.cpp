#include "unit/kernel/PacketBuilder.h"

#include <algorithm>
#include <stdexcept>

#include "media/ByteOrder.h"

namespace rtprelay::kernel::test {

using media::load16;
using media::load32;
using media::store16;
using media::store32;

namespace {

constexpr size_t kEthLength = 14;
constexpr uint8_t kUdp = 17;

// RFC 1071 sum without the final complement, so pieces can be chained.
uint32_t sum16(const uint8_t* data, size_t length, uint32_t sum = 0) {
    for (size_t i = 0; i + 1 < length; i += 2) {
        sum += load16(data + i);
    }
    if (length % 2) {
        sum += uint32_t{data[length - 1]} << 8;
    }
    return sum;
}

uint16_t fold(uint32_t sum) {
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return static_cast<uint16_t>(~sum);
}

net::Endpoint endpoint(const std::string& address, uint16_t port) {
    auto ip = net::IpAddress::parse(address);
    if (!ip) {
        throw std::invalid_argument("bad address " + address);
    }
    return {*ip, port};
}

uint32_t pseudoHeaderSum(bool ipv6, const uint8_t* src, const uint8_t* dst, size_t udpLength) {
    size_t addressLength = ipv6 ? 16 : 4;
    uint32_t sum = sum16(src, addressLength);
    sum = sum16(dst, addressLength, sum);
    sum += kUdp;
    sum += static_cast<uint32_t>(udpLength);
    return sum;
}

}  // namespace

PacketBuilder& PacketBuilder::from(const std::string& address, uint16_t port) {
    source_ = endpoint(address, port);
    return *this;
}

PacketBuilder& PacketBuilder::to(const std::string& address, uint16_t port) {
    destination_ = endpoint(address, port);
    return *this;
}

PacketBuilder& PacketBuilder::tos(uint8_t value) {
    tos_ = value;
    return *this;
}

PacketBuilder& PacketBuilder::ttl(uint8_t value) {
    ttl_ = value;
    return *this;
}

PacketBuilder& PacketBuilder::flowLabel(uint32_t value) {
    flowLabel_ = value & 0xFFFFF;
    return *this;
}

PacketBuilder& PacketBuilder::payload(std::vector<uint8_t> bytes) {
    payload_ = std::move(bytes);
    return *this;
}

PacketBuilder& PacketBuilder::rtp(uint8_t pt, size_t size) {
    payload_.assign(std::max<size_t>(size, 12), 0);
    payload_[0] = 0x80;
    payload_[1] = pt & 0x7F;
    store16(&payload_[2], 4711);        // sequence
    store32(&payload_[4], 160 * 1000);  // timestamp
    store32(&payload_[8], 0x5EED5EED);  // SSRC
    for (size_t i = 12; i < payload_.size(); ++i) {
        payload_[i] = static_cast<uint8_t>(i * 7);
    }
    return *this;
}

PacketBuilder& PacketBuilder::rtcp(size_t size) {
    payload_.assign(std::max<size_t>(size, 8), 0);
    payload_[0] = 0x80;
    payload_[1] = 201;
    store16(&payload_[2], static_cast<uint16_t>(payload_.size() / 4 - 1));
    store32(&payload_[4], 0x5EED5EED);
    return *this;
}

PacketBuilder& PacketBuilder::stun() {
    payload_.assign(20, 0);
    store16(&payload_[0], 0x0001);  // binding request
    store32(&payload_[4], 0x2112A442);
    for (size_t i = 8; i < 20; ++i) {
        payload_[i] = static_cast<uint8_t>(i);
    }
    return *this;
}

PacketBuilder& PacketBuilder::dtls() {
    payload_.assign(40, 0xAA);
    payload_[0] = 22;  // handshake
    payload_[1] = 0xFE;
    payload_[2] = 0xFD;
    return *this;
}

PacketBuilder& PacketBuilder::zeroUdpChecksum() {
    zeroUdpChecksum_ = true;
    return *this;
}

PacketBuilder& PacketBuilder::udpLengthDelta(int delta) {
    udpLengthDelta_ = delta;
    return *this;
}

PacketBuilder& PacketBuilder::ipOptions() {
    ipOptions_ = true;
    return *this;
}

PacketBuilder& PacketBuilder::fragment() {
    fragment_ = true;
    return *this;
}

PacketBuilder& PacketBuilder::etherType(uint16_t type) {
    etherType_ = type;
    return *this;
}

std::vector<uint8_t> PacketBuilder::build() const {
    const bool ipv6 = source_.address().isV6();
    const size_t ipLength = ipv6 ? 40 : (ipOptions_ ? 24 : 20);
    const size_t udpLength = 8 + payload_.size();
    std::vector<uint8_t> frame(kEthLength + ipLength + udpLength, 0);

    // BPF_PROG_TEST_RUN receives on the loopback device, whose address is all zeros: with it
    // as the destination the frame is PACKET_HOST, as the program requires.
    const uint8_t dstMac[6] = {0, 0, 0, 0, 0, 0};
    const uint8_t srcMac[6] = {0x02, 0, 0, 0, 0, 0x02};
    std::copy(dstMac, dstMac + 6, frame.begin());
    std::copy(srcMac, srcMac + 6, frame.begin() + 6);
    store16(&frame[12], etherType_.value_or(ipv6 ? 0x86DD : 0x0800));

    uint8_t* ip = &frame[kEthLength];
    const size_t addressLength = ipv6 ? 16 : 4;
    uint8_t* src = ip + (ipv6 ? 8 : 12);
    uint8_t* dst = ip + (ipv6 ? 24 : 16);
    if (ipv6) {
        store32(ip, (6u << 28) | (uint32_t{tos_} << 20) | flowLabel_);
        store16(ip + 4, static_cast<uint16_t>(udpLength));
        ip[6] = kUdp;
        ip[7] = ttl_;
    } else {
        ip[0] = static_cast<uint8_t>(0x40 | (ipLength / 4));
        ip[1] = tos_;
        store16(ip + 2, static_cast<uint16_t>(ipLength + udpLength));
        store16(ip + 4, 0x1234);
        store16(ip + 6, fragment_ ? 0x2000 : 0x4000);  // MF, else DF
        ip[8] = ttl_;
        ip[9] = kUdp;
        if (ipOptions_) {
            std::fill(ip + 20, ip + 24, 0x01);  // NOP
        }
    }
    std::copy(source_.address().bytes().begin(), source_.address().bytes().begin() + addressLength,
              src);
    std::copy(destination_.address().bytes().begin(),
              destination_.address().bytes().begin() + addressLength, dst);
    if (!ipv6) {
        store16(ip + 10, fold(sum16(ip, ipLength)));
    }

    uint8_t* udp = ip + ipLength;
    store16(udp, source_.port());
    store16(udp + 2, destination_.port());
    store16(udp + 4, static_cast<uint16_t>(static_cast<int>(udpLength) + udpLengthDelta_));
    std::copy(payload_.begin(), payload_.end(), udp + 8);
    if (!zeroUdpChecksum_) {
        uint16_t checksum = fold(sum16(udp, udpLength, pseudoHeaderSum(ipv6, src, dst, udpLength)));
        store16(udp + 6, checksum == 0 ? 0xFFFF : checksum);
    }
    return frame;
}

std::optional<ParsedFrame> ParsedFrame::parse(const std::vector<uint8_t>& frame) {
    if (frame.size() < kEthLength + 20) {
        return std::nullopt;
    }
    ParsedFrame parsed;
    const uint8_t* ip = &frame[kEthLength];
    uint16_t type = load16(&frame[12]);
    size_t ipLength = 0;
    size_t udpLength = 0;
    if (type == 0x86DD) {
        if (frame.size() < kEthLength + 48) {
            return std::nullopt;
        }
        parsed.ipv6 = true;
        ipLength = 40;
        uint32_t head = load32(ip);
        parsed.tos = static_cast<uint8_t>(head >> 20);
        parsed.flowLabel = head & 0xFFFFF;
        parsed.ttl = ip[7];
        in6_addr a{};
        std::copy(ip + 8, ip + 24, a.s6_addr);
        parsed.source = {net::IpAddress::fromV6(a), 0};
        std::copy(ip + 24, ip + 40, a.s6_addr);
        parsed.destination = {net::IpAddress::fromV6(a), 0};
        parsed.ipChecksumValid = true;
        udpLength = load16(ip + 4);
    } else if (type == 0x0800) {
        ipLength = (ip[0] & 0x0F) * 4u;
        parsed.tos = ip[1];
        parsed.ipId = load16(ip + 4);
        parsed.ttl = ip[8];
        in_addr a{};
        std::copy(ip + 12, ip + 16, reinterpret_cast<uint8_t*>(&a));
        parsed.source = {net::IpAddress::fromV4(a), 0};
        std::copy(ip + 16, ip + 20, reinterpret_cast<uint8_t*>(&a));
        parsed.destination = {net::IpAddress::fromV4(a), 0};
        parsed.ipChecksumValid = fold(sum16(ip, ipLength)) == 0;
        udpLength = load16(ip + 2) - ipLength;
    } else {
        return std::nullopt;
    }
    if (frame.size() < kEthLength + ipLength + udpLength || udpLength < 8) {
        return std::nullopt;
    }
    const uint8_t* udp = ip + ipLength;
    parsed.source.setPort(load16(udp));
    parsed.destination.setPort(load16(udp + 2));
    parsed.udpChecksum = load16(udp + 6);
    parsed.payload.assign(udp + 8, udp + udpLength);
    const uint8_t* src = ip + (parsed.ipv6 ? 8 : 12);
    const uint8_t* dst = ip + (parsed.ipv6 ? 24 : 16);
    if (!parsed.ipv6 && parsed.udpChecksum == 0) {
        parsed.udpChecksumValid = true;  // none
    } else {
        parsed.udpChecksumValid =
            fold(sum16(udp, udpLength, pseudoHeaderSum(parsed.ipv6, src, dst, udpLength))) == 0;
    }
    return parsed;
}

}  // namespace rtprelay::kernel::test
