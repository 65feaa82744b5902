#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rtprelay::call {

class Call;

// When each call is next to be looked at by the timeout check, kept apart from the calls in
// one array: the check, once a second, then reads only the calls that are due. Reading every
// call object each second costs a cache and TLB miss per call, microseconds each on a busy
// host. Calls enter when created and leave when destroyed (Call's destructor).
class TimeoutSchedule {
public:
    using Index = uint32_t;

    // Due at once.
    Index add(Call* call);
    // The last entry moves into the freed place and its call is told its new index.
    void remove(Index index);
    void set(Index index, int64_t dueUs) { entries_[index].dueUs = dueUs; }
    int64_t dueUs(Index index) const { return entries_[index].dueUs; }
    void setAll(int64_t dueUs);
    // Appends the calls due at `nowUs` (wall clock, µs since the epoch) to `out`.
    void collectDue(int64_t nowUs, std::vector<Call*>& out) const;
    size_t size() const { return entries_.size(); }

private:
    struct Entry {
        int64_t dueUs = 0;
        Call* call = nullptr;
    };
    std::vector<Entry> entries_;
};

}  // namespace rtprelay::call
