#include <cstdio>
#include <string>
#include <vector>

#include "config/Config.h"
#include "daemon/Daemon.h"

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
    rtprelay::daemon::Daemon daemon(std::move(args), std::move(*loaded.config),
                                    std::move(loaded.warnings));
    return daemon.run();
}
