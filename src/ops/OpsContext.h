#pragma once

#include <chrono>

#include "call/SignallingEngine.h"
#include "config/Config.h"
#include "config/RuntimeSettings.h"
#include "control/ControlStatistics.h"
#include "kernel/KernelPath.h"
#include "media/LocalInterface.h"

namespace rtprelay::ops {

// The subsystems the operator interfaces (CLI, HTTP, ng `statistics`) report on and act on.
// Owned by the daemon, which outlives every user of this.
struct OpsContext {
    call::SignallingEngine& signalling;
    media::InterfaceRegistry& interfaces;
    config::RuntimeSettings& runtime;
    control::ControlStatistics& control;
    // The configuration the daemon started with; read once, at construction (SIGHUP reloads
    // change the daemon's copy, run-time values are in `runtime`).
    const config::Config& config;
    kernel::KernelPath* kernel = nullptr;  // null with `table = -1`
    std::chrono::steady_clock::time_point started;
};

}  // namespace rtprelay::ops
