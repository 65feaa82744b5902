#include "call/TimeoutSchedule.h"

#include "call/Call.h"

namespace rtprelay::call {

TimeoutSchedule::Index TimeoutSchedule::add(Call* call) {
    entries_.push_back({0, call});
    return static_cast<Index>(entries_.size() - 1);
}

void TimeoutSchedule::remove(Index index) {
    if (index != entries_.size() - 1) {
        entries_[index] = entries_.back();
        entries_[index].call->scheduleIndex_ = index;
    }
    entries_.pop_back();
}

void TimeoutSchedule::setAll(int64_t dueUs) {
    for (Entry& e : entries_) {
        e.dueUs = dueUs;
    }
}

void TimeoutSchedule::collectDue(int64_t nowUs, std::vector<Call*>& out) const {
    for (const Entry& e : entries_) {
        if (e.dueUs <= nowUs) {
            out.push_back(e.call);
        }
    }
}

}  // namespace rtprelay::call
