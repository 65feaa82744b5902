#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/Config.h"

namespace rtprelay::config {

enum class OptionKind : uint8_t {
    flag,     // no value on the command line; a boolean in the file
    integer,  // GOption INT / INT64
    real,     // GOption DOUBLE
    string,
    list,  // repeatable on the command line, `;`-separated in the file
};

// Why a value was rejected (a phrase for "invalid value 'V' for option 'O': WHY");
// nullopt when it was stored.
using Rejection = std::optional<std::string>;

// Stores one value (one element, for lists) into the Config, checking its range and
// syntax beyond what the kind already guarantees.
using Store = std::function<Rejection(Config&, const std::string&)>;

struct OptionSpec {
    std::string_view name;  // long name, also the key in the file
    char shortName = 0;     // 0: long form only
    OptionKind kind = OptionKind::string;
    // The capability behind the option exists; setting any other known option is
    // reported in Config::unsupportedOptionsSet.
    bool supported = false;
    // Meaningless in a file (e.g. `config-file`, `help`): ignored there with a warning.
    bool commandLineOnly = false;
    // Empty when Config has no field yet: the value is then only checked against the kind.
    Store store;
    std::string_view help;
};

// Every option rtpengine accepts (daemon/main.c, lib/auxlib.c), so that an existing
// rtpengine command line or configuration file is understood, plus rtprelay's `redis-db`.
class OptionTable {
public:
    static const OptionTable& instance();

    const std::vector<OptionSpec>& options() const { return options_; }
    const OptionSpec* find(std::string_view name) const;
    const OptionSpec* findShort(char shortName) const;

    // The --help text.
    std::string usage() const;

private:
    OptionTable();

    std::vector<OptionSpec> options_;
};

}  // namespace rtprelay::config
