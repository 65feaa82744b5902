#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace rtprelay::kernel {

// Hands out indexes into the per-CPU statistics array, one per forwarding entry. Freed slots
// are reused last (FIFO): a packet that was already past the lookup of a just-deleted entry
// may still count into its slot, and the longer the slot stays unused the less likely that
// lands in a new stream's figures. Not thread-safe; BpfForwarder serialises access.
class StatsSlots {
public:
    explicit StatsSlots(uint32_t capacity);

    uint32_t capacity() const { return static_cast<uint32_t>(used_.size()); }
    uint32_t inUse() const { return inUse_; }
    bool taken(uint32_t slot) const { return slot < used_.size() && used_[slot]; }

    // The least recently freed slot, or nothing when every slot is taken.
    std::optional<uint32_t> acquire();
    // Claims a specific slot (an entry found in re-adopted maps). False if out of range or
    // already taken.
    bool claim(uint32_t slot);
    // Idempotent; out-of-range slots are ignored.
    void release(uint32_t slot);

private:
    std::vector<bool> used_;
    // Candidates in reuse order; may hold slots claimed since (skipped by acquire), so that
    // claim() stays O(1) when a table of tens of thousands of entries is re-adopted.
    std::deque<uint32_t> free_;
    uint32_t inUse_ = 0;
};

}  // namespace rtprelay::kernel
