#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "call/Party.h"
#include "call/TimeoutSchedule.h"

namespace rtprelay::call {

// A call: every party that signalled under one Call-ID.
class Call {
public:
    using SteadyTime = std::chrono::steady_clock::time_point;

    Call(std::string callId, uint64_t key);
    ~Call();
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

    const std::string& callId() const { return callId_; }
    // Unique for the daemon's lifetime: names the call to the media relay.
    uint64_t key() const { return key_; }
    std::chrono::system_clock::time_point created() const { return created_; }
    SteadyTime lastSignal() const { return lastSignal_; }
    std::chrono::system_clock::time_point lastSignalWall() const { return lastSignalWall_; }
    void touch();

    std::string createdFrom;
    bool blocked = false;  // `block media` without a party: nothing is forwarded
    int tos = 0;

    Party* findTag(const std::string& tag) const;
    Party* findUntagged(const std::string& viaBranch) const;
    Party* findViaBranch(const std::string& viaBranch) const;
    Party& addParty(std::string tag, std::string viaBranch);
    // Takes a party out of the call, clearing peer links to it. The caller keeps it alive
    // until the relay no longer uses its sockets.
    std::unique_ptr<Party> removeParty(Party& party);
    const std::vector<std::unique_ptr<Party>>& parties() const { return parties_; }

    // A pair of parties have both sent SDP: the call was answered.
    bool established() const;

    // Pending deletion (delete with delay); a new offer/answer cancels it.
    std::optional<SteadyTime> deleteAt;
    std::vector<std::pair<Party*, SteadyTime>> partyDeletions;

    // When the timeout check is to look at the call again (wall clock, µs since the epoch;
    // 0: at the next tick). Signalling and a party coming or going make it look at once;
    // media only postpones the end. No-op for a call outside a registry.
    void recheckTimeoutsAt(int64_t dueUs);

private:
    friend class CallRegistry;
    friend class TimeoutSchedule;

    TimeoutSchedule* schedule_ = nullptr;
    TimeoutSchedule::Index scheduleIndex_ = 0;
    std::string callId_;
    uint64_t key_;
    std::chrono::system_clock::time_point created_;
    SteadyTime lastSignal_;
    std::chrono::system_clock::time_point lastSignalWall_;
    std::vector<std::unique_ptr<Party>> parties_;
};

}  // namespace rtprelay::call
