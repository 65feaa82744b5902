#include "kernel/StatsSlots.h"

#include <algorithm>

namespace rtprelay::kernel {

StatsSlots::StatsSlots(uint32_t capacity, uint32_t quarantine)
    : used_(capacity, false), quarantine_(quarantine) {}

void StatsSlots::take(uint32_t slot) {
    used_[slot] = true;
    ++inUse_;
    limit_ = std::max(limit_, slot + 1);
}

std::optional<uint32_t> StatsSlots::acquire() {
    while (!ready_.empty() && used_[ready_.top()]) {
        ready_.pop();
    }
    while (neverUsed_ < used_.size() && used_[neverUsed_]) {
        ++neverUsed_;
    }
    if (!ready_.empty() && (neverUsed_ >= used_.size() || ready_.top() < neverUsed_)) {
        uint32_t slot = ready_.top();
        ready_.pop();
        take(slot);
        return slot;
    }
    if (neverUsed_ < used_.size()) {
        take(neverUsed_);
        return neverUsed_++;
    }
    while (!waiting_.empty()) {
        uint32_t slot = waiting_.front();
        waiting_.pop_front();
        if (!used_[slot]) {
            take(slot);
            return slot;
        }
    }
    return std::nullopt;
}

bool StatsSlots::claim(uint32_t slot) {
    if (slot >= used_.size() || used_[slot]) {
        return false;
    }
    take(slot);
    return true;
}

void StatsSlots::release(uint32_t slot) {
    if (slot >= used_.size() || !used_[slot]) {
        return;
    }
    used_[slot] = false;
    --inUse_;
    waiting_.push_back(slot);
    while (waiting_.size() > quarantine_) {
        ready_.push(waiting_.front());
        waiting_.pop_front();
    }
}

}  // namespace rtprelay::kernel
