#pragma once

#include <spdlog/sinks/base_sink.h>

#include <mutex>

namespace rtprelay::log {

// spdlog's own syslog sink calls openlog() with one facility for the whole process, so the
// log and CDR channels could not use different facilities. This sink passes the facility
// with every message instead, and the exact syslog severity chosen by the caller.
class SyslogSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit SyslogSink(int facility) : facility_(facility) {}

    // Severity for messages logged by this thread next (set by log::writeLine).
    static void setNextSeverity(int severity);

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override {}

private:
    int facility_;
};

}  // namespace rtprelay::log
