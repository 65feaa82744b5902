#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ops/CliAnswer.h"
#include "ops/OpsContext.h"
#include "ops/StatisticsCollector.h"

namespace rtprelay::ops {

// rtpengine's CLI command tree (`rtpengine-ctl`): list/get, set, params, terminate, usage,
// plus `list kernel`. Answers carry rtpengine's texts. Shared by the CLI socket, the HTTP
// `/cli/` path and the ng `cli` command; thread-safe.
class CliCommands {
public:
    CliCommands(const OpsContext& context, StatisticsCollector& statistics);

    CliAnswer execute(std::string_view line);
    static std::string usage();

private:
    using Words = std::vector<std::string>;
    // A run-time tunable as `params` shows it; `set` is empty for values fixed at start.
    struct Param {
        std::string name;
        std::function<int()> get;
        std::function<void(int)> set;
    };

    CliAnswer list(const Words& words);
    CliAnswer sessions(const Words& words);
    CliAnswer set(const Words& words);
    CliAnswer params(const Words& words);
    CliAnswer terminate(const Words& words);
    const Param* param(std::string_view name) const;

    OpsContext context_;
    StatisticsCollector& statistics_;
    int table_;
    std::vector<Param> params_;
    std::vector<std::pair<std::string, int>> startValues_;
};

}  // namespace rtprelay::ops
