#include "kernel/NftablesMode.h"

#include <cstdio>
#include <string>

#include "kernel/NftablesManager.h"
#include "kernel/NftablesSettings.h"

namespace rtprelay::kernel {

NftablesMode nftablesModeOf(const config::Config& config) {
    if (config.nftablesStart) {
        return NftablesMode::start;
    }
    if (config.nftablesStop) {
        return NftablesMode::stop;
    }
    if (config.nftablesStatus) {
        return NftablesMode::status;
    }
    return NftablesMode::none;
}

int runNftablesMode(NftablesMode mode, const config::Config& config) {
    const char* option = mode == NftablesMode::start  ? "--nftables-start"
                         : mode == NftablesMode::stop ? "--nftables-stop"
                                                      : "--nftables-status";
    std::string why;
    auto settings = nftablesSettingsFrom(config, &why);
    if (!settings) {
        std::fprintf(stderr, "rtprelayd: %s: %s\n", option, why.c_str());
        return 1;
    }
    NftablesManager manager(std::move(*settings));
    NftablesResult result = success();
    switch (mode) {
        case NftablesMode::none:
            return 0;
        case NftablesMode::start:
            // setup() removes whatever of ours is there first, as rtpengine's
            // shutdown-then-setup does.
            result = manager.setup();
            break;
        case NftablesMode::stop:
            result = manager.shutdown();
            break;
        case NftablesMode::status:
            result = manager.status();
            if (result) {
                std::puts("Netfilter rules check SUCCESSFUL");
                return 0;
            }
            std::printf("%s\n", result.error().c_str());
            return 1;
    }
    if (!result) {
        std::fprintf(stderr, "rtprelayd: %s: %s\n", option, result.error().c_str());
        return 1;
    }
    std::puts("Success");
    return 0;
}

}  // namespace rtprelay::kernel
