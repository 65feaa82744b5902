#include "daemon/Daemon.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "daemon/ConfigChanges.h"
#include "log/Log.h"

#ifndef RTPRELAY_VERSION
#define RTPRELAY_VERSION "0.0.0"
#endif

namespace rtprelay::daemon {

using log::Subsystem;

namespace {

log::Settings logSettings(const config::Config& c) {
    log::Settings s;
    s.level = c.logLevel;
    s.toStderr = c.foreground || c.logStderr;
    s.timestamps = !c.noLogTimestamps;
    s.facility = c.logFacility;
    s.cdrFacility = c.logFacilityCdr;
    s.ident = c.logName;
    return s;
}

std::string absolute(const std::string& path) {
    if (path.empty() || path[0] == '/') {
        return path;
    }
    std::error_code ec;
    auto p = std::filesystem::absolute(path, ec);
    return ec ? path : p.string();
}

// Control threads: enough that a slow request never blocks the others, few enough to stay
// out of the media threads' way.
unsigned controlThreads(const config::Config& c) {
    int n = c.numThreads / 2;
    return static_cast<unsigned>(n < 2 ? 2 : (n > 4 ? 4 : n));
}

}  // namespace

Daemon::Daemon(std::vector<std::string> args, config::Config config,
               std::vector<std::string> configWarnings)
    : args_(std::move(args)),
      config_(std::move(config)),
      configWarnings_(std::move(configWarnings)),
      started_(std::chrono::steady_clock::now()) {
    // The daemon changes directory to /; keep relative paths meaning what the operator typed.
    config_.pidfile = absolute(config_.pidfile);
    if (!config_.configFile.empty()) {
        config_.configFile = absolute(config_.configFile);
        for (auto& a : args_) {
            if (a.rfind("--config-file=", 0) == 0 && a != "--config-file=none") {
                a = "--config-file=" + config_.configFile;
            }
        }
    }
    runtime_.apply(config_);
}

void Daemon::failStart(const std::string& message) {
    log::error(Subsystem::core, "{}", message);
    if (daemonizer_.detached()) {
        daemonizer_.fail("rtprelayd: " + message);
    } else if (!(config_.foreground || config_.logStderr)) {
        std::fprintf(stderr, "rtprelayd: %s\n", message.c_str());
    }
}

void Daemon::raiseFileLimit() {
    // Every media port is a socket: the default soft limit of 1024 would cap the daemon at a
    // few hundred calls. Take what the hard limit allows (systemd units raise that).
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        rlim_t before = limit.rlim_cur;
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
            log::info(Subsystem::core, "Raised the open file limit from {} to {}", before,
                      limit.rlim_cur);
        }
    }
}

bool Daemon::startKernelPath() {
    if (config_.table < 0) {
        log::info(Subsystem::kernel, "table = -1: relaying in userspace only");
        return true;
    }
    std::vector<std::string> problems;
    kernel_ = std::make_unique<kernel::KernelPath>(config_, problems);
    for (const auto& p : problems) {
        if (config_.noFallback) {
            failStart(p + " (--no-fallback)");
            return false;
        }
        log::error(Subsystem::kernel, "{}", p);
    }
    if (kernel_->forwarding()) {
        relay_->setKernelOffload(kernel_.get());
    } else {
        log::warning(Subsystem::kernel, "Falling back to userspace forwarding");
    }
    interfaces_->setObserver(kernel_.get());
    return true;
}

void Daemon::startLogging() {
    log::init(logSettings(config_));
    for (const auto& w : configWarnings_) {
        log::warning(Subsystem::config, "{}", w);
    }
    for (const auto& option : config_.unsupportedOptionsSet) {
        log::warning(Subsystem::config, "option {} is not supported yet, ignored", option);
    }
}

void Daemon::registerCommands() {
    std::vector<net::Endpoint> controlEndpoints = config_.listenNg;
    controlEndpoints.insert(controlEndpoints.end(), config_.listenTcpNg.begin(),
                            config_.listenTcpNg.end());
    interfaces_ = std::make_unique<media::InterfaceRegistry>(config_.interfaces, config_.portMin,
                                                             config_.portMax, controlEndpoints);
    media::RelayOptions relayOptions;
    relayOptions.ioUring = config_.ioUring;
    relayOptions.ioUringBuffers = static_cast<unsigned>(config_.ioUringBuffers);
    relay_ = std::make_unique<media::Relay>(static_cast<unsigned>(std::max(1, config_.numThreads)),
                                            relayOptions);
    auto learning = config_.endpointLearning == config::EndpointLearning::off
                        ? media::LearningMode::off
                    : config_.endpointLearning == config::EndpointLearning::immediate
                        ? media::LearningMode::immediate
                    : config_.endpointLearning == config::EndpointLearning::delayed
                        ? media::LearningMode::delayed
                        : media::LearningMode::heuristic;
    signalling_ = std::make_unique<call::SignallingEngine>(*interfaces_, runtime_, config_.tos,
                                                           learning, relay_.get());
    signalling_->registerCommands(commands_);

    commands_.add("ping", [](const control::NgRequest&, control::bencode::Dict& reply) {
        reply.emplace_back("result", "pong");
    });
    // Both answer from the operator statistics and CLI, created once the kernel path is up
    // (bindOperatorListeners), before any request can arrive.
    commands_.add("statistics", [this](const control::NgRequest&, control::bencode::Dict& reply) {
        reply.emplace_back("statistics", statistics_->ngStatistics());
    });
    commands_.add("cli", [this](const control::NgRequest& request, control::bencode::Dict& reply) {
        auto body = request.string({"body"});
        if (!body) {
            throw control::NgError("No 'body' in message");
        }
        reply.emplace_back("response", cli_->execute(*body).text);
    });
    commands_.addPlaceholdersForMissing();
    // Shared by ng over UDP, TCP and HTTP (one retransmission cache, as in rtpengine).
    processor_ = std::make_unique<control::NgProcessor>(commands_, cookieCache_, controlStats_);
}

void Daemon::applyAccessRules() {
    using control::ControlListener;
    auto rule = [this](ControlListener listener, const std::optional<net::NetworkList>& own,
                       const char* ownOption) {
        if (own) {
            access_.setRule(listener, own, ownOption);
        } else {
            access_.setRule(listener, config_.controlAllow, "control-allow");
        }
    };
    rule(ControlListener::ngUdp, config_.ngAllow, "ng-allow");
    rule(ControlListener::ngTcp, config_.ngAllow, "ng-allow");
    rule(ControlListener::cli, config_.cliAllow, "cli-allow");
    rule(ControlListener::http, config_.httpAllow, "http-allow");
    const std::pair<ControlListener, const std::vector<net::Endpoint>*> listeners[] = {
        {ControlListener::ngUdp, &config_.listenNg},
        {ControlListener::ngTcp, &config_.listenTcpNg},
        {ControlListener::cli, &config_.listenCli},
        {ControlListener::http, &config_.listenHttp}};
    for (const auto& [listener, addresses] : listeners) {
        if (!addresses->empty() && access_.restricted(listener)) {
            log::info(Subsystem::control, "{} serves {}", control::listenerOption(listener),
                      access_.describe(listener));
        }
    }
}

void Daemon::warnAboutOpenListeners() const {
    using control::ControlListener;
    if (server_) {
        access_.warnAboutOpenListeners(ControlListener::ngUdp, server_->udpAddresses());
        access_.warnAboutOpenListeners(ControlListener::ngTcp, server_->tcpAddresses());
    }
    if (cliServer_) {
        access_.warnAboutOpenListeners(ControlListener::cli, cliServer_->addresses());
    }
    if (httpServer_) {
        access_.warnAboutOpenListeners(ControlListener::http, httpServer_->addresses());
    }
}

void Daemon::bindListeners() {
    server_ = std::make_unique<control::ControlServer>(*processor_, controlStats_, access_,
                                                       controlThreads(config_));
    for (const auto& e : config_.listenNg) {
        server_->bindUdp(e);
    }
    for (const auto& e : config_.listenTcpNg) {
        server_->bindTcp(e);
    }
}

void Daemon::bindOperatorListeners() {
    ops::OpsContext context{.signalling = *signalling_,
                            .interfaces = *interfaces_,
                            .runtime = runtime_,
                            .control = controlStats_,
                            .config = config_,
                            .kernel = kernel_.get(),
                            .started = started_};
    statistics_ = std::make_unique<ops::StatisticsCollector>(context);
    cli_ = std::make_unique<ops::CliCommands>(context, *statistics_);
    if (!config_.listenCli.empty()) {
        cliServer_ = std::make_unique<ops::CliServer>(*cli_, access_);
        for (const auto& e : config_.listenCli) {
            cliServer_->bind(e);
        }
        for (const auto& e : cliServer_->addresses()) {
            log::info(Subsystem::cli, "Listening for CLI commands on TCP {}", e.toString());
        }
    }
    if (!config_.listenHttp.empty()) {
        httpServer_ = std::make_unique<ops::HttpServer>(*cli_, *statistics_, *processor_,
                                                        controlStats_, access_);
        httpServer_->setSecret(config_.httpSecret);
        for (const auto& e : config_.listenHttp) {
            httpServer_->bind(e);
        }
        for (const auto& e : httpServer_->addresses()) {
            log::info(Subsystem::http,
                      "Listening for HTTP (/metrics, /ping, /cli/, POST /ng) on TCP {}{}",
                      e.toString(), config_.httpSecret.empty() ? "" : " (http-secret set)");
        }
    }
}

void Daemon::stopOperatorListeners() {
    if (cliServer_) {
        cliServer_->stop();
    }
    if (httpServer_) {
        httpServer_->stop();
    }
}

void Daemon::changeLogLevel(int delta) {
    int level = std::clamp(log::level() + delta, 0, 7);
    log::setLevel(level);
    log::notice(Subsystem::core, "log-level is now {}", level);
}

void Daemon::reload() {
    log::notice(Subsystem::core, "SIGHUP received, reloading configuration from '{}'",
                config_.configFile.empty() ? std::string("(no file)") : config_.configFile);
    auto loaded = config::load(args_);
    if (!loaded.config) {
        log::error(Subsystem::config, "Reload failed, keeping the running configuration: {}",
                   loaded.error);
        return;
    }
    for (const auto& w : loaded.warnings) {
        log::warning(Subsystem::config, "{}", w);
    }
    config::Config next = std::move(*loaded.config);
    next.pidfile = absolute(next.pidfile);
    next.configFile = absolute(next.configFile);
    auto changes = compareConfigs(config_, next);
    if (changes.empty()) {
        log::notice(Subsystem::config, "Reload: nothing changed");
    }
    for (const auto& change : changes) {
        if (change.appliedAtRuntime) {
            log::notice(Subsystem::config, "Reload: {} changed from '{}' to '{}'", change.option,
                        change.before, change.after);
        } else {
            log::warning(Subsystem::config,
                         "Reload: {} changed from '{}' to '{}', takes effect after a restart",
                         change.option, change.before, change.after);
        }
    }
    // Apply the run-time options; keep the rest as running so later diffs stay accurate.
    config_.logLevel = next.logLevel;
    config_.timeout = next.timeout;
    config_.silentTimeout = next.silentTimeout;
    config_.finalTimeout = next.finalTimeout;
    config_.offerTimeout = next.offerTimeout;
    config_.deleteDelay = next.deleteDelay;
    config_.maxSessions = next.maxSessions;
    log::setLevel(config_.logLevel);
    runtime_.apply(config_);
    bool accessChanged =
        !(config_.controlAllow == next.controlAllow) || !(config_.ngAllow == next.ngAllow) ||
        !(config_.cliAllow == next.cliAllow) || !(config_.httpAllow == next.httpAllow);
    config_.controlAllow = next.controlAllow;
    config_.ngAllow = next.ngAllow;
    config_.cliAllow = next.cliAllow;
    config_.httpAllow = next.httpAllow;
    config_.httpSecret = next.httpSecret;
    if (httpServer_) {
        httpServer_->setSecret(config_.httpSecret);
    }
    if (accessChanged) {
        applyAccessRules();
        warnAboutOpenListeners();
    }
}

int Daemon::run() {
    sigset_t handled;
    sigemptyset(&handled);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) {
        sigaddset(&handled, s);
    }
    signal(SIGPIPE, SIG_IGN);

    if (!config_.foreground) {
        try {
            daemonizer_.detach();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "rtprelayd: %s\n", e.what());
            return 1;
        }
    }
    // Blocked before any thread starts, so only the signalfd below ever sees them.
    pthread_sigmask(SIG_BLOCK, &handled, nullptr);
    int signalFd = signalfd(-1, &handled, SFD_CLOEXEC);

    startLogging();
    log::notice(Subsystem::core, "rtprelayd {} starting (pid {})", RTPRELAY_VERSION, getpid());
    if (signalFd < 0) {
        failStart(std::string("signalfd: ") + std::strerror(errno));
        return 1;
    }

    raiseFileLimit();
    registerCommands();
    applyAccessRules();
    if (!startKernelPath()) {
        return 1;
    }
    try {
        bindOperatorListeners();
        bindListeners();
        warnAboutOpenListeners();
        relay_->start();
        if (relay_->backend() == media::RelayBackend::ioUring) {
            log::info(Subsystem::media,
                      "Relaying media with {} worker threads (io_uring, {} receive buffers each)",
                      relay_->threads(),
                      media::ioUringBufferCount(static_cast<unsigned>(config_.ioUringBuffers)));
        } else {
            if (config_.ioUring) {
                log::warning(Subsystem::media, "io_uring unavailable ({}): relaying through epoll",
                             relay_->fallbackReason());
            }
            log::info(Subsystem::media, "Relaying media with {} worker threads (epoll)",
                      relay_->threads());
        }
        server_->start();
        if (cliServer_) {
            cliServer_->start();
        }
        if (httpServer_) {
            httpServer_->start();
        }
        ticker_ = std::make_unique<Ticker>(std::chrono::seconds(1), [this] {
            signalling_->tick();
            if (kernel_) {
                kernel_->sweepOrphans(runtime_.timeout.load());
                kernel_->checkNeighbours();
                kernel_->checkFirewall();
            }
            statistics_->sample();
        });
        if (!config_.pidfile.empty()) {
            pidFile_.write(config_.pidfile);
        }
    } catch (const std::exception& e) {
        failStart(e.what());
        if (server_) {
            server_->stop();
        }
        stopOperatorListeners();
        return 1;
    }

    daemonizer_.ready();
    sd_notifyf(0, "READY=1\nMAINPID=%d\nSTATUS=answering ng requests", static_cast<int>(getpid()));
    log::notice(Subsystem::core, "Startup complete, rtprelayd {}", RTPRELAY_VERSION);

    for (;;) {
        signalfd_siginfo info;
        ssize_t n = ::read(signalFd, &info, sizeof info);
        if (n != sizeof info) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            log::error(Subsystem::core, "signalfd read failed: {}", std::strerror(errno));
            break;
        }
        int sig = static_cast<int>(info.ssi_signo);
        if (sig == SIGTERM || sig == SIGINT) {
            log::notice(Subsystem::core, "{} received, shutting down",
                        sig == SIGTERM ? "SIGTERM" : "SIGINT");
            break;
        }
        if (sig == SIGHUP) {
            reload();
        } else if (sig == SIGUSR1) {
            changeLogLevel(-1);
        } else if (sig == SIGUSR2) {
            changeLogLevel(+1);
        }
    }

    sd_notify(0, "STOPPING=1");
    server_->stop();
    stopOperatorListeners();
    ticker_.reset();
    if (kernel_) {
        // Hitless restart: kernel-forwarded media keeps flowing while no daemon runs.
        kernel_->keepEntriesOnExit();
    }
    signalling_->terminateAll(call::Teardown::forced);
    relay_->stop();
    interfaces_->setObserver(nullptr);
    kernel_.reset();
    pidFile_.remove();
    ::close(signalFd);
    log::notice(Subsystem::core, "Exiting");
    return 0;
}

}  // namespace rtprelay::daemon
