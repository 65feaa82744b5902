#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "call/Call.h"

namespace rtprelay::call {

// Why a call ended, as in rtpengine's CDRs and statistics.
enum class Teardown { regular, timeout, silentTimeout, offerTimeout, finalTimeout, forced };
std::string_view teardownName(Teardown reason);

// Every call by Call-ID. Signalling and the timer hold mutex() while they work on calls; the
// media path never takes it.
class CallRegistry {
public:
    std::mutex& mutex() { return mutex_; }

    Call* find(const std::string& callId);
    Call& create(const std::string& callId);
    // Removes the call (its sockets close, ports return to the pools) and counts the reason.
    // Whoever relays the call's media must have let go of it first.
    void destroy(const std::string& callId, Teardown reason);
    // Drops a call created by a request that then failed: not counted as a session.
    void discard(const std::string& callId);

    size_t size() const { return calls_.size(); }
    std::vector<std::string> callIds(size_t limit) const;
    const std::unordered_map<std::string, std::unique_ptr<Call>>& calls() const { return calls_; }
    TimeoutSchedule& timeoutSchedule() { return schedule_; }

    uint64_t managedSessions() const { return managed_; }
    uint64_t closed(Teardown reason) const { return closed_[static_cast<size_t>(reason)]; }
    uint64_t rejectedSessions() const { return rejected_; }
    void countRejected() { ++rejected_; }

private:
    std::mutex mutex_;
    uint64_t nextKey_ = 1;
    TimeoutSchedule schedule_;  // before calls_: their destructors leave it
    std::unordered_map<std::string, std::unique_ptr<Call>> calls_;
    uint64_t managed_ = 0;
    uint64_t rejected_ = 0;
    std::array<uint64_t, 6> closed_{};
};

}  // namespace rtprelay::call
