#pragma once

#include <array>
#include <bitset>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "call/CallFlags.h"
#include "call/CallRegistry.h"
#include "config/RuntimeSettings.h"
#include "control/CommandRegistry.h"
#include "log/LogThrottle.h"
#include "media/EndpointLearner.h"
#include "media/LocalInterface.h"
#include "media/Relay.h"
#include "sdp/SessionDescription.h"

namespace rtprelay::call {

// The ng signalling commands (offer, answer, delete, query, list) on the call model, and the
// timer that ends calls nobody deletes.
class SignallingEngine {
public:
    // `relay` may be null (no media is relayed, e.g. in the request-path fuzzer).
    SignallingEngine(media::InterfaceRegistry& interfaces, const config::RuntimeSettings& runtime,
                     int defaultTos, media::LearningMode defaultLearning, media::Relay* relay);

    void registerCommands(control::CommandRegistry& commands);
    // Runs once a second: delete-delay expiry and the timeouts (timeout, silent-timeout,
    // offer-timeout, final-timeout).
    void tick();
    // Even a call that cannot run out of media for long is looked at this often.
    static constexpr std::chrono::seconds kTimeoutRecheckLimit{30};
    // Calls due in the same tick are looked at again up to this many seconds before the limit.
    static constexpr size_t kTimeoutRecheckSpreadSeconds = 15;
    // Ends every call (daemon shutdown), with CDRs.
    void terminateAll(Teardown reason);

    CallRegistry& calls() { return calls_; }
    // `currentstatistics` / `totalstatistics` / `interfaces` parts of ng `statistics`.
    void addStatistics(control::bencode::Value& statistics);

    // Media relayed since the start, ended calls included (operator statistics).
    struct MediaTotals {
        media::RelayTotals userspace;
        media::RelayTotals kernel;
        uint64_t foreignSourceDrops = 0;
    };
    MediaTotals mediaTotals();
    // What the userspace relay forwarded, without walking the calls.
    media::RelayTotals userspaceTotals() const;
    // The calls right now and how past ones ended (CLI `list numsessions`, metrics).
    struct SessionCounts {
        size_t sessions = 0;
        size_t ipv4 = 0;   // every party's media on IPv4
        size_t ipv6 = 0;   // every party's media on IPv6
        size_t mixed = 0;  // IPv4 on one side, IPv6 on the other
        // Media streams by where their packets went: only userspace, only the kernel, both.
        size_t streamsUserspace = 0;
        size_t streamsKernel = 0;
        size_t streamsMixed = 0;
        uint64_t managed = 0;
        uint64_t rejected = 0;
        std::array<uint64_t, 6> closed{};  // by Teardown
    };
    SessionCounts sessionCounts();
    // Runs `visit` with the registry locked, on every call or on one; false when there is no
    // such call. `kernel` (may be null) is for ingressTraffic().
    using CallVisitor = std::function<void(const Call& call, const media::KernelOffload* kernel)>;
    void inspectCalls(const CallVisitor& visit);
    bool inspectCall(const std::string& callId, const CallVisitor& visit);
    // Ends one call now (CLI `terminate`), with its CDR; false when there is no such call.
    bool terminate(const std::string& callId, Teardown reason);

private:
    struct Roles;

    void offerOrAnswer(const control::NgRequest& request, control::bencode::Dict& reply,
                       bool isOffer);
    void deleteCall(const control::NgRequest& request, control::bencode::Dict& reply);
    void query(const control::NgRequest& request, control::bencode::Dict& reply);
    void list(const control::NgRequest& request, control::bencode::Dict& reply);
    void blockMedia(const control::NgRequest& request, control::bencode::Dict& reply, bool block);

    Roles findRoles(Call& call, const CallFlags& flags, bool isOffer, std::vector<Party*>& created);
    const media::LogicalInterface* interfaceNamed(const std::string& name) const;
    // The call a request names, or rtpengine's error; the caller holds the registry lock.
    Call& existingCall(const CallFlags& flags);
    void removeParty(Call& call, Party& party);
    static std::bitset<128> kernelPayloadTypes(const Party& a, const Party& b, size_t index);
    const media::KernelOffload* kernel() const;
    // Tells the relay where every socket of the call forwards to now.
    void updateRelay(Call& call);
    // Relay, CDR and final stats, then the call and its sockets are gone.
    void destroyCall(const std::string& callId, Teardown reason);
    // Why the call must end now, if it must (timeouts), else the earliest time it could.
    struct TimeoutCheck {
        std::optional<Teardown> reason;
        int64_t recheckUs = 0;  // wall clock, µs since the epoch
    };
    TimeoutCheck timedOut(const Call& call, int64_t nowUs) const;
    // timeout, silent-timeout, offer-timeout, final-timeout
    std::array<int, 4> timeoutLimitsSeen_{};
    // Keeps what a party's media went through in the kernel and dropped before it is gone, so
    // that the totals never go backwards. Once the relay has let go of the party.
    void countEnded(const Party& party);
    MediaTotals mediaTotalsLocked() const;

    media::InterfaceRegistry& interfaces_;
    const config::RuntimeSettings& runtime_;
    int defaultTos_;
    media::LearningMode defaultLearning_;
    media::Relay* relay_;
    CallRegistry calls_;
    MediaTotals ended_;  // kernel and foreign drops of parties gone; under the registry mutex
    // Offers refused for want of ports or of file descriptors are logged at most every 10 s,
    // with the number since the last line: a storm at the limit must not flood the log.
    log::LogThrottle portRefusals_{std::chrono::seconds(10)};
    log::LogThrottle fileLimitRefusals_{std::chrono::seconds(10)};
};

}  // namespace rtprelay::call
