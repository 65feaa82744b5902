#include "media/PortPool.h"

#include <algorithm>
#include <random>
#include <vector>

namespace rtprelay::media {

PortPool::PortPool(int portMin, int portMax, const std::set<uint16_t>& excluded)
    : portMin_(portMin), portMax_(portMax) {
    std::vector<uint16_t> bases;
    int first = portMin % 2 == 0 ? portMin : portMin + 1;
    for (int p = first; p + 1 <= portMax; p += 2) {
        auto even = static_cast<uint16_t>(p);
        auto odd = static_cast<uint16_t>(p + 1);
        if (excluded.count(even) || excluded.count(odd)) {
            continue;
        }
        bases.push_back(even);
    }
    std::shuffle(bases.begin(), bases.end(), std::mt19937(std::random_device{}()));
    totalPairs_ = bases.size();
    free_.assign(bases.begin(), bases.end());
}

std::optional<uint16_t> PortPool::takePair() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) {
        return std::nullopt;
    }
    uint16_t port = free_.front();
    free_.pop_front();
    used_.set(port);
    used_.set(port + 1u);
    usedPorts_ += 2;
    return port;
}

void PortPool::releasePair(uint16_t evenPort) {
    std::lock_guard lock(mutex_);
    if (!used_.test(evenPort)) {
        return;
    }
    used_.reset(evenPort);
    used_.reset(evenPort + 1u);
    usedPorts_ -= 2;
    free_.push_back(evenPort);
}

void PortPool::deferPair(uint16_t evenPort) {
    releasePair(evenPort);
}

size_t PortPool::totalPairs() const {
    return totalPairs_;
}

size_t PortPool::freePairs() const {
    std::lock_guard lock(mutex_);
    return free_.size();
}

size_t PortPool::usedPorts() const {
    std::lock_guard lock(mutex_);
    return usedPorts_;
}

}  // namespace rtprelay::media
