#pragma once

#include <string>
#include <string_view>

#include "config/Parsed.h"

// Scalar value syntax shared by the configuration file and the command line.
namespace rtprelay::config::syntax {

// Decimal with optional sign, or 0x-prefixed hex (GOption accepts hex for integers, and
// options like homer-ng-capture-proto are documented in hex). No octal: "010" is ten.
Parsed<long long> parseInteger(std::string_view text);

// GKeyFile only knows true/false; operators also write yes/no/on/off/1/0.
Parsed<bool> parseBoolean(std::string_view text);

Parsed<double> parseReal(std::string_view text);

// syslog(3) facility names as accepted by rtpengine's --log-facility.
bool isSyslogFacility(std::string_view name);

std::string_view trim(std::string_view text);

}  // namespace rtprelay::config::syntax
