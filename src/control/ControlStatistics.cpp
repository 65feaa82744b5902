#include "control/ControlStatistics.h"

#include <fmt/format.h>

#include <cctype>

namespace rtprelay::control {

namespace {

// rtpengine's short statistic labels drop spaces: "start recording" → "startrecording".
std::string statisticLabel(const std::string& command) {
    std::string out;
    for (char c : command) {
        if (c != ' ' && c != '-') {
            out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        }
    }
    return out;
}

std::string seconds(std::chrono::nanoseconds d) {
    return fmt::format("{:.6f}", std::chrono::duration<double>(d).count());
}

}  // namespace

void ControlStatistics::recordRequest(const std::string& proxy, const std::string& command,
                                      std::chrono::nanoseconds duration, bool error) {
    std::lock_guard lock(mutex_);
    auto& p = proxies_[proxy];
    auto& c = p.commands[command];
    ++c.count;
    c.duration += duration;
    auto& t = totals_[command];
    ++t.count;
    t.duration += duration;
    ++totalRequests_;
    if (error) {
        ++p.errors;
        ++totalErrors_;
    }
}

void ControlStatistics::recordDrop(Drop why) {
    drops_[static_cast<size_t>(why)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t ControlStatistics::drops(Drop why) const {
    return drops_[static_cast<size_t>(why)].load(std::memory_order_relaxed);
}

void ControlStatistics::recordDenied(ControlListener listener) {
    denied_[static_cast<size_t>(listener)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t ControlStatistics::denied(ControlListener listener) const {
    return denied_[static_cast<size_t>(listener)].load(std::memory_order_relaxed);
}

void ControlStatistics::recordUnauthorized() {
    unauthorized_.fetch_add(1, std::memory_order_relaxed);
}

uint64_t ControlStatistics::unauthorized() const {
    return unauthorized_.load(std::memory_order_relaxed);
}

uint64_t ControlStatistics::totalRequests() const {
    std::lock_guard lock(mutex_);
    return totalRequests_;
}

uint64_t ControlStatistics::totalErrors() const {
    std::lock_guard lock(mutex_);
    return totalErrors_;
}

bencode::Value ControlStatistics::snapshot() const {
    std::lock_guard lock(mutex_);
    bencode::Value out = bencode::Value::dict();
    bencode::Value proxies = bencode::Value::list();
    for (const auto& [address, p] : proxies_) {
        bencode::Value entry = bencode::Value::dict();
        entry.set("proxy", address);
        for (const auto& [command, c] : p.commands) {
            std::string label = statisticLabel(command);
            entry.set(label + "count", static_cast<int64_t>(c.count));
            entry.set(label + "duration", seconds(c.duration));
        }
        entry.set("errorcount", static_cast<int64_t>(p.errors));
        proxies.push(std::move(entry));
    }
    out.set("proxies", std::move(proxies));
    for (const auto& [command, c] : totals_) {
        out.set("total" + statisticLabel(command) + "count", static_cast<int64_t>(c.count));
    }
    out.set("totalrequestcount", static_cast<int64_t>(totalRequests_));
    out.set("totalerrorcount", static_cast<int64_t>(totalErrors_));
    out.set("droppednocookie", static_cast<int64_t>(drops(Drop::noCookie)));
    out.set("droppedoversized", static_cast<int64_t>(drops(Drop::oversized)));
    out.set("droppedtcpframing", static_cast<int64_t>(drops(Drop::tcpFraming)));
    out.set("droppedtcpoverflow", static_cast<int64_t>(drops(Drop::tcpOverflow)));
    out.set("deniedngudp", static_cast<int64_t>(denied(ControlListener::ngUdp)));
    out.set("deniedngtcp", static_cast<int64_t>(denied(ControlListener::ngTcp)));
    out.set("deniedcli", static_cast<int64_t>(denied(ControlListener::cli)));
    out.set("deniedhttp", static_cast<int64_t>(denied(ControlListener::http)));
    out.set("unauthorizedhttp", static_cast<int64_t>(unauthorized()));
    return out;
}

}  // namespace rtprelay::control
