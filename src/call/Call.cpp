#include "call/Call.h"

#include <algorithm>

namespace rtprelay::call {

bool Party::matchesTag(const std::string& t) const {
    if (t.empty()) {
        return false;
    }
    return tag == t || std::find(tagAliases.begin(), tagAliases.end(), t) != tagAliases.end();
}

MediaLeg& Party::leg(size_t index) {
    while (media.size() <= index) {
        auto leg = std::make_unique<MediaLeg>();
        leg->index = media.size();
        media.push_back(std::move(leg));
    }
    return *media[index];
}

Call::Call(std::string callId, uint64_t key)
    : callId_(std::move(callId)),
      key_(key),
      created_(std::chrono::system_clock::now()),
      lastSignal_(std::chrono::steady_clock::now()),
      lastSignalWall_(created_) {}

Call::~Call() {
    if (schedule_) {
        schedule_->remove(scheduleIndex_);
    }
}

void Call::recheckTimeoutsAt(int64_t dueUs) {
    if (schedule_) {
        schedule_->set(scheduleIndex_, dueUs);
    }
}

void Call::touch() {
    lastSignal_ = std::chrono::steady_clock::now();
    lastSignalWall_ = std::chrono::system_clock::now();
    recheckTimeoutsAt(0);
}

Party* Call::findTag(const std::string& tag) const {
    for (const auto& p : parties_) {
        if (p->matchesTag(tag)) {
            return p.get();
        }
    }
    return nullptr;
}

Party* Call::findUntagged(const std::string& viaBranch) const {
    for (const auto& p : parties_) {
        if (p->tag.empty() && p->viaBranch == viaBranch) {
            return p.get();
        }
    }
    return nullptr;
}

Party* Call::findViaBranch(const std::string& viaBranch) const {
    if (viaBranch.empty()) {
        return nullptr;
    }
    for (const auto& p : parties_) {
        if (p->viaBranch == viaBranch) {
            return p.get();
        }
    }
    return nullptr;
}

Party& Call::addParty(std::string tag, std::string viaBranch) {
    recheckTimeoutsAt(0);
    auto p = std::make_unique<Party>();
    p->tag = std::move(tag);
    p->viaBranch = std::move(viaBranch);
    parties_.push_back(std::move(p));
    return *parties_.back();
}

std::unique_ptr<Party> Call::removeParty(Party& party) {
    recheckTimeoutsAt(0);
    for (auto& p : parties_) {
        if (p->peer == &party) {
            p->peer = nullptr;
        }
    }
    partyDeletions.erase(std::remove_if(partyDeletions.begin(), partyDeletions.end(),
                                        [&](const auto& d) { return d.first == &party; }),
                         partyDeletions.end());
    std::unique_ptr<Party> removed;
    for (auto it = parties_.begin(); it != parties_.end(); ++it) {
        if (it->get() == &party) {
            removed = std::move(*it);
            parties_.erase(it);
            break;
        }
    }
    return removed;
}

bool Call::established() const {
    for (const auto& p : parties_) {
        if (p->lastSdp && p->peer && p->peer->lastSdp) {
            return true;
        }
    }
    return false;
}

}  // namespace rtprelay::call
