#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace rtprelay::kernel {

// An Ethernet address as it is on the wire.
using MacAddress = std::array<uint8_t, 6>;

// "02:00:5e:10:00:01"
std::string macText(const MacAddress& mac);

}  // namespace rtprelay::kernel
