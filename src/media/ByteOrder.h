#pragma once

#include <cstdint>

// Network byte order loads and stores on raw bytes. Packet parsers read fields through these
// instead of casting the buffer onto structs: a received datagram has no alignment guarantee,
// bitfield layout is implementation-defined, and byte arithmetic is free of aliasing rules.
// Callers check the bounds; these helpers trust the pointer.
namespace rtprelay::media {

constexpr uint16_t load16(const uint8_t* p) noexcept {
    return static_cast<uint16_t>((uint32_t{p[0]} << 8) | uint32_t{p[1]});
}

constexpr uint32_t load24(const uint8_t* p) noexcept {
    return (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | uint32_t{p[2]};
}

constexpr uint32_t load32(const uint8_t* p) noexcept {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

constexpr uint64_t load64(const uint8_t* p) noexcept {
    return (uint64_t{load32(p)} << 32) | uint64_t{load32(p + 4)};
}

constexpr void store16(uint8_t* p, uint16_t value) noexcept {
    p[0] = static_cast<uint8_t>(value >> 8);
    p[1] = static_cast<uint8_t>(value);
}

constexpr void store32(uint8_t* p, uint32_t value) noexcept {
    p[0] = static_cast<uint8_t>(value >> 24);
    p[1] = static_cast<uint8_t>(value >> 16);
    p[2] = static_cast<uint8_t>(value >> 8);
    p[3] = static_cast<uint8_t>(value);
}

}  // namespace rtprelay::media
