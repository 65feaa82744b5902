#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "call/Party.h"

namespace rtprelay::call {

// A call: every party that signalled under one Call-ID.
class Call {
public:
    using SteadyTime = std::chrono::steady_clock::time_point;

    explicit Call(std::string callId);

    const std::string& callId() const { return callId_; }
    std::chrono::system_clock::time_point created() const { return created_; }
    SteadyTime lastSignal() const { return lastSignal_; }
    std::chrono::system_clock::time_point lastSignalWall() const { return lastSignalWall_; }
    void touch();

    std::string createdFrom;

    Party* findTag(const std::string& tag) const;
    Party* findUntagged(const std::string& viaBranch) const;
    Party* findViaBranch(const std::string& viaBranch) const;
    Party& addParty(std::string tag, std::string viaBranch);
    // Removes a party, clearing peer links to it.
    void removeParty(Party& party);
    const std::vector<std::unique_ptr<Party>>& parties() const { return parties_; }

    // A pair of parties have both sent SDP: the call was answered.
    bool established() const;

    // Pending deletion (delete with delay); a new offer/answer cancels it.
    std::optional<SteadyTime> deleteAt;
    std::vector<std::pair<Party*, SteadyTime>> partyDeletions;

private:
    std::string callId_;
    std::chrono::system_clock::time_point created_;
    SteadyTime lastSignal_;
    std::chrono::system_clock::time_point lastSignalWall_;
    std::vector<std::unique_ptr<Party>> parties_;
};

}  // namespace rtprelay::call
