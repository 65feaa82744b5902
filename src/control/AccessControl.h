#pragma once

#include <array>
#include <atomic>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/IpAddress.h"
#include "common/NetworkList.h"
#include "control/ControlListener.h"
#include "control/ControlStatistics.h"
#include "log/LogThrottle.h"

namespace rtprelay::control {

// Which source addresses may use each control listener (`control-allow` and the per-listener
// `ng-allow`, `cli-allow`, `http-allow`). Listeners ask before serving anything: a refused ng
// datagram is dropped unanswered, a refused connection closed right after accept. Refusals are
// counted in ControlStatistics and logged at most once per interval per listener. Rules can
// be replaced while listeners run (SIGHUP).
class AccessControl {
public:
    static constexpr std::chrono::seconds logInterval{10};

    explicit AccessControl(ControlStatistics& stats);

    // `allowed` unset: any source. `option` names the setting in logs ("control-allow").
    void setRule(ControlListener listener, std::optional<net::NetworkList> allowed,
                 std::string option);
    bool restricted(ControlListener listener) const;
    // The rule's text for logs: "127.0.0.0/8, ::1/128 (control-allow)" or "any source".
    std::string describe(ControlListener listener) const;

    // True when `peer` may use `listener`; otherwise counts and (throttled) logs the refusal.
    bool admit(ControlListener listener, const net::Endpoint& peer);

    // One warning per listener address that is reachable from beyond this host (not loopback,
    // wildcard included) while the listener has no rule.
    void warnAboutOpenListeners(ControlListener listener,
                                const std::vector<net::Endpoint>& addresses) const;

private:
    struct Rule {
        std::atomic<bool> restricted{false};
        mutable std::shared_mutex mutex;
        std::optional<net::NetworkList> allowed;
        std::string option;
        log::LogThrottle throttle{logInterval};
    };

    ControlStatistics& stats_;
    std::array<Rule, controlListenerCount> rules_;
};

}  // namespace rtprelay::control
