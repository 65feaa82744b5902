#include <cstdio>
#include <string>
#include <vector>

#include "config/Config.h"
#include "daemon/Daemon.h"
#include "kernel/NftablesMode.h"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    auto loaded = rtprelay::config::load(args);
    if (loaded.exitNow) {
        std::fputs(loaded.output.c_str(), stdout);
        return 0;
    }
    if (!loaded.config) {
        std::fprintf(stderr, "rtprelayd: %s\n", loaded.error.c_str());
        return 1;
    }
    // --nftables-start/stop/status act on the configured objects and exit, like rtpengine.
    if (auto mode = rtprelay::kernel::nftablesModeOf(*loaded.config);
        mode != rtprelay::kernel::NftablesMode::none) {
        return rtprelay::kernel::runNftablesMode(mode, *loaded.config);
    }
    rtprelay::daemon::Daemon daemon(std::move(args), std::move(*loaded.config),
                                    std::move(loaded.warnings));
    return daemon.run();
}
