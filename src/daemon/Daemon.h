#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "call/SignallingEngine.h"
#include "config/Config.h"
#include "config/RuntimeSettings.h"
#include "control/AccessControl.h"
#include "control/CommandRegistry.h"
#include "control/ControlServer.h"
#include "control/ControlStatistics.h"
#include "control/CookieCache.h"
#include "control/NgProcessor.h"
#include "daemon/Daemonizer.h"
#include "daemon/PidFile.h"
#include "daemon/Ticker.h"
#include "kernel/KernelPath.h"
#include "media/LocalInterface.h"
#include "media/Relay.h"
#include "ops/CliCommands.h"
#include "ops/CliServer.h"
#include "ops/HttpServer.h"
#include "ops/StatisticsCollector.h"

namespace rtprelay::daemon {

// The process: start-up order, the signal loop, reload and shutdown. Subsystems are owned
// here and wired together; none of them knows about signals or the process lifecycle.
class Daemon {
public:
    Daemon(std::vector<std::string> args, config::Config config,
           std::vector<std::string> configWarnings);
    // Returns the process exit status.
    int run();

private:
    void startLogging();
    void raiseFileLimit();
    // table >= 0: eBPF forwarding and nftables; false when the start must fail
    // (--no-fallback and something is missing).
    bool startKernelPath();
    void registerCommands();
    // Source rules of the control listeners from control-allow / ng-allow / cli-allow /
    // http-allow in `config_` (at start and on SIGHUP).
    void applyAccessRules();
    void warnAboutOpenListeners() const;
    void bindListeners();
    // CLI (`listen-cli`) and HTTP (`listen-http`) servers, and the statistics they share
    // with ng; throws std::runtime_error when a listener cannot be bound.
    void bindOperatorListeners();
    void stopOperatorListeners();
    void reload();
    void changeLogLevel(int delta);
    void failStart(const std::string& message);

    std::vector<std::string> args_;
    config::Config config_;
    std::vector<std::string> configWarnings_;
    config::RuntimeSettings runtime_;
    std::chrono::steady_clock::time_point started_;

    Daemonizer daemonizer_;
    PidFile pidFile_;
    control::ControlStatistics controlStats_;
    control::AccessControl access_{controlStats_};
    control::CookieCache cookieCache_;
    control::CommandRegistry commands_;
    std::unique_ptr<control::NgProcessor> processor_;
    std::unique_ptr<control::ControlServer> server_;
    std::unique_ptr<media::InterfaceRegistry> interfaces_;
    std::unique_ptr<kernel::KernelPath> kernel_;
    std::unique_ptr<media::Relay> relay_;
    std::unique_ptr<call::SignallingEngine> signalling_;
    std::unique_ptr<ops::StatisticsCollector> statistics_;
    std::unique_ptr<ops::CliCommands> cli_;
    std::unique_ptr<ops::CliServer> cliServer_;
    std::unique_ptr<ops::HttpServer> httpServer_;
    std::unique_ptr<Ticker> ticker_;
};

}  // namespace rtprelay::daemon
