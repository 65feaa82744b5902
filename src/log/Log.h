#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

namespace rtprelay::log {

// Syslog severities: `log-level` N shows every message with severity <= N.
enum class Level : int {
    emerg = 0,
    alert = 1,
    crit = 2,
    err = 3,
    warning = 4,
    notice = 5,
    info = 6,
    debug = 7,
};

enum class Subsystem { core, config, control, sdp, call, media, kernel, nftables, cli, http };

std::string_view subsystemName(Subsystem s);
std::string_view levelName(Level l);

struct Settings {
    int level = 6;
    bool toStderr = true;
    bool timestamps = true;
    std::string facility = "daemon";  // used when !toStderr
    std::string cdrFacility;          // empty: no CDR output
    std::string ident = "rtprelay";
};

// Syslog facility code (LOG_LOCAL1, ...) for a name such as "local1", if it is one.
std::optional<int> facilityFromName(std::string_view name);

// (Re)builds the sinks. Safe to call again on reload; call before starting threads the
// first time.
void init(const Settings& settings);
void setLevel(int level);
int level();
inline bool enabled(Level l) {
    return static_cast<int>(l) <= level();
}

// Lines carry rtpengine's context prefix: "[CALL-ID port N]: [subsystem] message".
// The call context is per thread and set by CallScope for the duration of a request.
class CallScope {
public:
    explicit CallScope(std::string_view callId, int port = -1);
    ~CallScope();
    CallScope(const CallScope&) = delete;
    CallScope& operator=(const CallScope&) = delete;

private:
    std::string previousCallId_;
    int previousPort_;
};

void writeLine(Level l, Subsystem s, std::string_view message);
// One CDR line on the `log-facility-cdr` channel; no-op when it is not configured.
void cdr(std::string_view line);
bool cdrEnabled();

template <typename... Args>
void write(Level l, Subsystem s, fmt::format_string<Args...> format, Args&&... args) {
    if (!enabled(l)) {
        return;
    }
    writeLine(l, s, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void error(Subsystem s, fmt::format_string<Args...> f, Args&&... a) {
    write(Level::err, s, f, std::forward<Args>(a)...);
}
template <typename... Args>
void warning(Subsystem s, fmt::format_string<Args...> f, Args&&... a) {
    write(Level::warning, s, f, std::forward<Args>(a)...);
}
template <typename... Args>
void notice(Subsystem s, fmt::format_string<Args...> f, Args&&... a) {
    write(Level::notice, s, f, std::forward<Args>(a)...);
}
template <typename... Args>
void info(Subsystem s, fmt::format_string<Args...> f, Args&&... a) {
    write(Level::info, s, f, std::forward<Args>(a)...);
}
template <typename... Args>
void debug(Subsystem s, fmt::format_string<Args...> f, Args&&... a) {
    write(Level::debug, s, f, std::forward<Args>(a)...);
}

}  // namespace rtprelay::log
