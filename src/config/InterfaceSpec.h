#pragma once

#include <string_view>
#include <vector>

#include "config/Config.h"
#include "config/Parsed.h"

namespace rtprelay::config {

// One `interface` value: `[NAME/]ADDR[!ADVERTISED]` (rtpengine daemon/main.c if_addr_parse).
class InterfaceSpec {
public:
    // ADDR is tried as an address literal, then `any`, then a network device, then a DNS
    // name (first result, as rtpengine). A device or `any` gives one entry per address.
    // ADVERTISED (a literal or a name, first result) applies to every entry.
    static Parsed<std::vector<InterfaceAddress>> parse(std::string_view spec);
};

}  // namespace rtprelay::config
