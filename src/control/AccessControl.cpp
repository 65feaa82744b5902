#include "control/AccessControl.h"

#include <mutex>

#include "log/Log.h"

namespace rtprelay::control {

namespace {

log::Subsystem subsystemOf(ControlListener listener) {
    switch (listener) {
        case ControlListener::cli:
            return log::Subsystem::cli;
        case ControlListener::http:
            return log::Subsystem::http;
        default:
            return log::Subsystem::control;
    }
}

// The setting that restricts this listener alone.
std::string_view ownOption(ControlListener listener) {
    switch (listener) {
        case ControlListener::cli:
            return "cli-allow";
        case ControlListener::http:
            return "http-allow";
        default:
            return "ng-allow";
    }
}

}  // namespace

AccessControl::AccessControl(ControlStatistics& stats) : stats_(stats) {}

void AccessControl::setRule(ControlListener listener, std::optional<net::NetworkList> allowed,
                            std::string option) {
    Rule& rule = rules_[static_cast<size_t>(listener)];
    std::unique_lock lock(rule.mutex);
    rule.restricted.store(allowed.has_value(), std::memory_order_relaxed);
    rule.allowed = std::move(allowed);
    rule.option = std::move(option);
}

bool AccessControl::restricted(ControlListener listener) const {
    return rules_[static_cast<size_t>(listener)].restricted.load(std::memory_order_relaxed);
}

std::string AccessControl::describe(ControlListener listener) const {
    const Rule& rule = rules_[static_cast<size_t>(listener)];
    std::shared_lock lock(rule.mutex);
    if (!rule.allowed) {
        return "any source";
    }
    return rule.allowed->toString() + " (" + rule.option + ")";
}

bool AccessControl::admit(ControlListener listener, const net::Endpoint& peer) {
    Rule& rule = rules_[static_cast<size_t>(listener)];
    if (!rule.restricted.load(std::memory_order_relaxed)) {
        return true;
    }
    std::shared_lock lock(rule.mutex);
    if (!rule.allowed || rule.allowed->contains(peer.address())) {
        return true;
    }
    stats_.recordDenied(listener);
    if (uint64_t heldBack = 0; rule.throttle.admit(heldBack)) {
        std::string since = heldBack == 0
                                ? std::string()
                                : fmt::format(" ({} more refused since the last report)", heldBack);
        log::warning(subsystemOf(listener), "Refused {} {} from {}: source not in {}{}",
                     listenerOption(listener),
                     listener == ControlListener::ngUdp ? "datagram" : "connection",
                     peer.toString(), rule.option, since);
    }
    return false;
}

void AccessControl::warnAboutOpenListeners(ControlListener listener,
                                           const std::vector<net::Endpoint>& addresses) const {
    if (restricted(listener)) {
        return;
    }
    for (const auto& address : addresses) {
        if (address.address().isLoopback()) {
            continue;
        }
        log::warning(subsystemOf(listener),
                     "{} {} accepts requests from any source address: set control-allow (or {}) "
                     "to the networks that may use it",
                     listenerOption(listener), address.toString(), ownOption(listener));
    }
}

}  // namespace rtprelay::control
