#include "kernel/StatsSlots.h"

namespace rtprelay::kernel {

StatsSlots::StatsSlots(uint32_t capacity) : used_(capacity, false) {
    for (uint32_t slot = 0; slot < capacity; ++slot) {
        free_.push_back(slot);
    }
}

std::optional<uint32_t> StatsSlots::acquire() {
    while (!free_.empty()) {
        uint32_t slot = free_.front();
        free_.pop_front();
        if (!used_[slot]) {
            used_[slot] = true;
            ++inUse_;
            return slot;
        }
    }
    return std::nullopt;
}

bool StatsSlots::claim(uint32_t slot) {
    if (slot >= used_.size() || used_[slot]) {
        return false;
    }
    used_[slot] = true;
    ++inUse_;
    return true;
}

void StatsSlots::release(uint32_t slot) {
    if (slot >= used_.size() || !used_[slot]) {
        return;
    }
    used_[slot] = false;
    --inUse_;
    free_.push_back(slot);
}

}  // namespace rtprelay::kernel
