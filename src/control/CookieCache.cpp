#include "control/CookieCache.h"

namespace rtprelay::control {

CookieCache::CookieCache(Clock::duration generation, Clock::duration maxWait,
                         size_t generationBytes)
    : generation_(generation),
      maxWait_(maxWait),
      generationBytes_(generationBytes),
      lastRotation_(Clock::now()) {}

void CookieCache::rotateIfDue(Clock::time_point now) {
    if (now - lastRotation_ < generation_ && currentBytes_ < generationBytes_) {
        return;
    }
    // In-flight entries must survive the rotation or their waiters would never be woken
    // through a lookup; carry them into the new generation.
    Map carried;
    for (auto& [cookie, entry] : current_) {
        if (!entry->done) {
            carried.emplace(cookie, entry);
        }
    }
    previous_ = std::move(current_);
    current_ = std::move(carried);
    previousBytes_ = currentBytes_;
    currentBytes_ = 0;  // carried entries have no reply yet
    lastRotation_ = now;
}

std::shared_ptr<CookieCache::Entry> CookieCache::find(const std::string& cookie) const {
    if (auto it = current_.find(cookie); it != current_.end()) {
        return it->second;
    }
    if (auto it = previous_.find(cookie); it != previous_.end()) {
        return it->second;
    }
    return nullptr;
}

CookieCache::Lookup CookieCache::begin(const std::string& cookie) {
    std::unique_lock lock(mutex_);
    rotateIfDue(Clock::now());
    auto entry = find(cookie);
    if (!entry) {
        current_.emplace(cookie, std::make_shared<Entry>());
        return {true, {}};
    }
    if (!entry->done) {
        completed_.wait_for(lock, maxWait_, [&] { return entry->done; });
    }
    if (!entry->done) {
        // The original is stuck; never execute twice, answer nothing.
        return {false, {}};
    }
    return {false, entry->reply};
}

void CookieCache::complete(const std::string& cookie, std::string reply) {
    {
        std::lock_guard lock(mutex_);
        auto entry = find(cookie);
        if (!entry) {
            entry = std::make_shared<Entry>();
            current_.emplace(cookie, entry);
        }
        // Counted against the current generation even when the entry sits in the previous
        // one: the budget bounds memory, not per-generation bookkeeping.
        currentBytes_ += kEntryOverheadBytes + cookie.size() + reply.size();
        entry->reply = std::move(reply);
        entry->done = true;
    }
    completed_.notify_all();
}

size_t CookieCache::size() const {
    std::lock_guard lock(mutex_);
    return current_.size() + previous_.size();
}

size_t CookieCache::bytes() const {
    std::lock_guard lock(mutex_);
    return currentBytes_ + previousBytes_;
}

}  // namespace rtprelay::control
