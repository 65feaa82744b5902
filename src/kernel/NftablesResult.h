#pragma once

#include "kernel/Result.h"

namespace rtprelay::kernel {

// Outcome of an nftables operation: success(), or one line saying what failed and why, fit
// for a log line or the output of --nftables-status.
using NftablesResult = Result<>;

}  // namespace rtprelay::kernel
