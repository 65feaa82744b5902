#pragma once

#include <bitset>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>

namespace rtprelay::media {

// The media ports of one local address, `port-min`..`port-max`. RTP takes an even port and
// RTCP the next one, so the pool hands out even bases; the order is shuffled so that a
// released port is not handed out again at once (late packets of the old call).
class PortPool {
public:
    PortPool(int portMin, int portMax, const std::set<uint16_t>& excluded = {});

    // An even port whose odd neighbour is also free; both are marked used.
    std::optional<uint16_t> takePair();
    // Returns both ports of a pair taken with takePair().
    void releasePair(uint16_t evenPort);
    // A port that could not be bound (another process has it) goes to the back of the queue.
    void deferPair(uint16_t evenPort);

    size_t totalPairs() const;
    size_t freePairs() const;
    size_t usedPorts() const;
    int portMin() const { return portMin_; }
    int portMax() const { return portMax_; }

private:
    int portMin_;
    int portMax_;
    size_t totalPairs_ = 0;
    mutable std::mutex mutex_;
    std::deque<uint16_t> free_;
    std::bitset<65536> used_;
    size_t usedPorts_ = 0;
};

}  // namespace rtprelay::media
