#pragma once

#include <string>
#include <vector>

#include "config/Config.h"

namespace rtprelay::daemon {

struct ConfigChange {
    std::string option;
    std::string before;
    std::string after;
    bool appliedAtRuntime = false;  // false: needs a restart
};

// What a reload would change, option by option (rtpengine names).
std::vector<ConfigChange> compareConfigs(const config::Config& running,
                                         const config::Config& loaded);

}  // namespace rtprelay::daemon
