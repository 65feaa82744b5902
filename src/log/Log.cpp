#include "log/Log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "log/SyslogSink.h"

namespace rtprelay::log {

namespace {

std::atomic<int> currentLevel{6};
// stderr is the journal's stream: each line starts with "<N>", its syslog severity.
std::atomic<bool> severityPrefix{false};
std::mutex configureMutex;
// Loggers are replaced on reload; readers take a copy of the shared_ptr.
std::shared_ptr<spdlog::logger> mainLogger;
std::shared_ptr<spdlog::logger> cdrLogger;
std::string syslogIdent;

thread_local std::string threadCallId;
thread_local int threadPort = -1;

spdlog::level::level_enum toSpdlog(Level l) {
    switch (l) {
        case Level::emerg:
        case Level::alert:
        case Level::crit:
            return spdlog::level::critical;
        case Level::err:
            return spdlog::level::err;
        case Level::warning:
            return spdlog::level::warn;
        case Level::notice:
        case Level::info:
            return spdlog::level::info;
        case Level::debug:
            return spdlog::level::debug;
    }
    return spdlog::level::info;
}

// systemd passes a service whose stderr goes to the journal JOURNAL_STREAM=DEVICE:INODE of that
// stream. journald reads a "<N>" line prefix as the line's severity (sd-daemon(3)); without it
// every line would be stored as info.
bool stderrIsJournal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    unsigned long long device = 0;
    unsigned long long inode = 0;
    struct stat st {};
    return stream != nullptr && std::sscanf(stream, "%llu:%llu", &device, &inode) == 2 &&
           ::fstat(STDERR_FILENO, &st) == 0 && st.st_dev == device && st.st_ino == inode;
}

void appendSeverityPrefix(std::string& line, int severity) {
    if (severityPrefix.load(std::memory_order_relaxed)) {
        line.append("<").append(std::to_string(severity)).append(">");
    }
}

std::shared_ptr<spdlog::logger> loggerCopy(const std::shared_ptr<spdlog::logger>& which) {
    std::lock_guard lock(configureMutex);
    return which;
}

}  // namespace

std::string_view subsystemName(Subsystem s) {
    switch (s) {
        case Subsystem::core:
            return "core";
        case Subsystem::config:
            return "config";
        case Subsystem::control:
            return "control";
        case Subsystem::sdp:
            return "sdp";
        case Subsystem::call:
            return "call";
        case Subsystem::media:
            return "media";
        case Subsystem::kernel:
            return "kernel";
        case Subsystem::nftables:
            return "nftables";
        case Subsystem::cli:
            return "cli";
        case Subsystem::http:
            return "http";
    }
    return "core";
}

std::string_view levelName(Level l) {
    static constexpr std::array<std::string_view, 8> names = {"EMERG",   "ALERT",  "CRIT", "ERR",
                                                              "WARNING", "NOTICE", "INFO", "DEBUG"};
    return names[static_cast<size_t>(l)];
}

std::optional<int> facilityFromName(std::string_view name) {
    struct Entry {
        std::string_view name;
        int code;
    };
    static constexpr Entry table[] = {
        {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
        {"daemon", LOG_DAEMON}, {"ftp", LOG_FTP},           {"kern", LOG_KERN},
        {"lpr", LOG_LPR},       {"mail", LOG_MAIL},         {"news", LOG_NEWS},
        {"syslog", LOG_SYSLOG}, {"user", LOG_USER},         {"uucp", LOG_UUCP},
        {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},     {"local2", LOG_LOCAL2},
        {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},     {"local5", LOG_LOCAL5},
        {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
    };
    for (const auto& e : table) {
        if (e.name == name) {
            return e.code;
        }
    }
    return std::nullopt;
}

void init(const Settings& settings) {
    std::lock_guard lock(configureMutex);
    currentLevel.store(settings.level);

    std::shared_ptr<spdlog::sinks::sink> sink;
    // The journal time-stamps lines itself, and the severity prefix must come first.
    bool journal = settings.toStderr && stderrIsJournal();
    severityPrefix.store(journal);
    if (settings.toStderr) {
        sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        sink->set_pattern(settings.timestamps && !journal ? "[%Y-%m-%d %H:%M:%S.%f] %v" : "%v");
    } else {
        if (syslogIdent != settings.ident) {
            syslogIdent = settings.ident;
            ::openlog(syslogIdent.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
        }
        sink =
            std::make_shared<SyslogSink>(facilityFromName(settings.facility).value_or(LOG_DAEMON));
        sink->set_pattern("%v");
    }
    auto logger = std::make_shared<spdlog::logger>("rtprelay", sink);
    logger->set_level(spdlog::level::trace);
    logger->flush_on(spdlog::level::trace);
    mainLogger = std::move(logger);

    cdrLogger.reset();
    if (!settings.cdrFacility.empty()) {
        std::shared_ptr<spdlog::sinks::sink> cdrSink;
        if (settings.toStderr) {
            cdrSink = sink;
        } else {
            if (syslogIdent != settings.ident) {
                syslogIdent = settings.ident;
                ::openlog(syslogIdent.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
            }
            cdrSink = std::make_shared<SyslogSink>(
                facilityFromName(settings.cdrFacility).value_or(LOG_LOCAL0));
            cdrSink->set_pattern("%v");
        }
        auto c = std::make_shared<spdlog::logger>("cdr", cdrSink);
        c->set_level(spdlog::level::trace);
        c->flush_on(spdlog::level::trace);
        cdrLogger = std::move(c);
    }
}

void setLevel(int level) {
    currentLevel.store(level);
}

int level() {
    return currentLevel.load(std::memory_order_relaxed);
}

CallScope::CallScope(std::string_view callId, int port)
    : previousCallId_(std::move(threadCallId)), previousPort_(threadPort) {
    threadCallId.assign(callId);
    threadPort = port;
}

CallScope::~CallScope() {
    threadCallId = std::move(previousCallId_);
    threadPort = previousPort_;
}

void writeLine(Level l, Subsystem s, std::string_view message) {
    auto logger = loggerCopy(mainLogger);
    if (!logger) {
        return;
    }
    std::string line;
    line.reserve(message.size() + 48);
    appendSeverityPrefix(line, static_cast<int>(l));
    line.append(levelName(l)).append(": ");
    if (!threadCallId.empty()) {
        line.append("[").append(threadCallId);
        if (threadPort >= 0) {
            line.append(" port ").append(std::to_string(threadPort));
        }
        line.append("]: ");
    }
    line.append("[").append(subsystemName(s)).append("] ").append(message);
    SyslogSink::setNextSeverity(static_cast<int>(l));
    logger->log(toSpdlog(l), "{}", line);
}

bool cdrEnabled() {
    return loggerCopy(cdrLogger) != nullptr;
}

void cdr(std::string_view line) {
    auto logger = loggerCopy(cdrLogger);
    if (!logger) {
        return;
    }
    SyslogSink::setNextSeverity(LOG_INFO);
    std::string text;
    appendSeverityPrefix(text, LOG_INFO);
    logger->info("{}CDR: {}", text, line);
}

}  // namespace rtprelay::log
