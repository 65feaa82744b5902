#pragma once

#include <string>
#include <vector>

#include "config/Config.h"

namespace rtprelay::config {

// config::load() with the list of default configuration files as a parameter, so tests
// can exercise the "no --config-file" path without touching /etc.
class ConfigLoader {
public:
    static std::vector<std::string> standardFiles();

    explicit ConfigLoader(std::vector<std::string> defaultFiles = standardFiles());

    LoadResult load(const std::vector<std::string>& args) const;

private:
    std::vector<std::string> defaultFiles_;
};

}  // namespace rtprelay::config
