#pragma once

#include "config/Config.h"

namespace rtprelay::kernel {

// rtpengine's one-shot nftables actions, run after the configuration is loaded and instead
// of starting the daemon.
enum class NftablesMode { none, start, stop, status };

// The action the command line asks for; start wins over stop, stop over status.
NftablesMode nftablesModeOf(const config::Config& config);

// Performs it and returns the exit status: --nftables-start (remove ours, set up, print
// "Success"), --nftables-stop (remove ours, print "Success"), --nftables-status (print
// "Netfilter rules check SUCCESSFUL" or the reason, exit 1 when not set up). Errors go to
// stderr as one line with status 1.
int runNftablesMode(NftablesMode mode, const config::Config& config);

}  // namespace rtprelay::kernel
