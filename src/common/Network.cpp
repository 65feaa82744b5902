#include "common/Network.h"

#include <arpa/inet.h>

#include <cstring>

#include "common/Text.h"

namespace rtprelay::net {

namespace {

bool isV4Mapped(const IpAddress& address) {
    if (!address.isV6()) {
        return false;
    }
    const auto& b = address.bytes();
    for (size_t i = 0; i < 10; ++i) {
        if (b[i] != 0) {
            return false;
        }
    }
    return b[10] == 0xff && b[11] == 0xff;
}

std::optional<unsigned> parsePrefixLength(std::string_view text) {
    if (text.size() > 1 && text[0] == '0') {
        return std::nullopt;
    }
    auto value = text::parseDigits(text, 3);
    return value ? std::optional<unsigned>(static_cast<unsigned>(*value)) : std::nullopt;
}

void fail(std::string* why, std::string reason) {
    if (why != nullptr) {
        *why = std::move(reason);
    }
}

}  // namespace

IpAddress unmapped(const IpAddress& address) {
    if (!isV4Mapped(address)) {
        return address;
    }
    in_addr v4{};
    std::memcpy(&v4, address.bytes().data() + 12, 4);
    return IpAddress::fromV4(v4);
}

Network::Network(const IpAddress& address, unsigned prefixLength) {
    unsigned bits = address.isV4() ? 32 : 128;
    prefixLength_ = prefixLength > bits ? bits : prefixLength;
    std::array<uint8_t, 16> bytes = address.bytes();
    for (unsigned i = 0; i < 16; ++i) {
        unsigned firstBit = i * 8;
        if (firstBit >= prefixLength_) {
            bytes[i] = 0;
        } else if (firstBit + 8 > prefixLength_) {
            bytes[i] &= static_cast<uint8_t>(0xff << (8 - (prefixLength_ - firstBit)));
        }
    }
    if (address.isV4()) {
        in_addr v4{};
        std::memcpy(&v4, bytes.data(), 4);
        base_ = IpAddress::fromV4(v4);
    } else {
        in6_addr v6{};
        std::memcpy(&v6, bytes.data(), 16);
        base_ = IpAddress::fromV6(v6);
    }
}

std::optional<Network> Network::parse(std::string_view text, std::string* why) {
    if (text.empty()) {
        fail(why, "empty network");
        return std::nullopt;
    }
    if (text.size() > maxTextLength) {
        fail(why, "longer than " + std::to_string(maxTextLength) + " characters");
        return std::nullopt;
    }
    size_t slash = text.find('/');
    std::string_view addressText = text.substr(0, slash);
    auto address = IpAddress::parse(addressText);
    if (!address) {
        fail(why, "'" + std::string(addressText) + "' is not an IPv4 or IPv6 address");
        return std::nullopt;
    }
    unsigned bits = address->isV4() ? 32 : 128;
    unsigned prefix = bits;
    if (slash != std::string_view::npos) {
        std::string_view prefixText = text.substr(slash + 1);
        auto parsed = parsePrefixLength(prefixText);
        if (!parsed) {
            fail(why, "prefix length '" + std::string(prefixText) + "' is not a decimal number");
            return std::nullopt;
        }
        if (*parsed > bits) {
            fail(why, "prefix length " + std::to_string(*parsed) + " is out of range 0.." +
                          std::to_string(bits));
            return std::nullopt;
        }
        prefix = *parsed;
    }
    if (isV4Mapped(*address)) {
        if (prefix < 96) {
            fail(why, "an IPv4-mapped range needs a prefix length of 96 or more");
            return std::nullopt;
        }
        return Network(unmapped(*address), prefix - 96);
    }
    return Network(*address, prefix);
}

bool Network::contains(const IpAddress& address) const {
    IpAddress candidate = unmapped(address);
    if (candidate.family() != base_.family()) {
        return false;
    }
    const auto& a = candidate.bytes();
    const auto& b = base_.bytes();
    unsigned fullBytes = prefixLength_ / 8;
    if (std::memcmp(a.data(), b.data(), fullBytes) != 0) {
        return false;
    }
    unsigned restBits = prefixLength_ % 8;
    if (restBits == 0) {
        return true;
    }
    auto mask = static_cast<uint8_t>(0xff << (8 - restBits));
    return (a[fullBytes] & mask) == b[fullBytes];
}

std::string Network::toString() const {
    return base_.toString() + "/" + std::to_string(prefixLength_);
}

}  // namespace rtprelay::net
