#include "log/SyslogSink.h"

#include <syslog.h>

namespace rtprelay::log {

namespace {
thread_local int nextSeverity = LOG_INFO;
}

void SyslogSink::setNextSeverity(int severity) {
    nextSeverity = severity;
}

void SyslogSink::sink_it_(const spdlog::details::log_msg& msg) {
    ::syslog(facility_ | nextSeverity, "%.*s", static_cast<int>(msg.payload.size()),
             msg.payload.data());
}

}  // namespace rtprelay::log
