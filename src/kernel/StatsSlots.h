#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <vector>

namespace rtprelay::kernel {

// Hands out indexes into the statistics array, one per forwarding entry. The lowest free slot
// goes first, so that the slots in use stay together at the start of the array and the
// program's counter updates touch few pages. A freed slot waits until `quarantine` other
// slots were freed after it (or nothing else is free): a packet already past the lookup of a
// just-deleted entry may still count into its slot, and that must not land in a new
// stream's figures. Not thread-safe; BpfForwarder serialises access.
class StatsSlots {
public:
    static constexpr uint32_t kDefaultQuarantine = 1024;

    explicit StatsSlots(uint32_t capacity, uint32_t quarantine = kDefaultQuarantine);

    uint32_t capacity() const { return static_cast<uint32_t>(used_.size()); }
    uint32_t inUse() const { return inUse_; }
    bool taken(uint32_t slot) const { return slot < used_.size() && used_[slot]; }
    // One past the highest slot ever taken: every slot in use is below it.
    uint32_t limit() const { return limit_; }

    // The lowest free slot out of quarantine, else the longest-quarantined one, else nothing
    // when every slot is taken.
    std::optional<uint32_t> acquire();
    // Claims a specific slot (an entry found in re-adopted maps). False if out of range or
    // already taken.
    bool claim(uint32_t slot);
    // Idempotent; out-of-range slots are ignored.
    void release(uint32_t slot);

private:
    void take(uint32_t slot);

    std::vector<bool> used_;
    uint32_t quarantine_;
    // Slots never handed out are those from neverUsed_ up (minus claimed ones); freed slots
    // go through waiting_ into ready_. Both may hold slots claimed since (skipped when
    // popped), so that claim() stays O(1) when tens of thousands of entries are re-adopted.
    uint32_t neverUsed_ = 0;
    std::deque<uint32_t> waiting_;
    std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<>> ready_;
    uint32_t inUse_ = 0;
    uint32_t limit_ = 0;
};

}  // namespace rtprelay::kernel
