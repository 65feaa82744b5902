#include "daemon/Ticker.h"

namespace rtprelay::daemon {

Ticker::Ticker(std::chrono::milliseconds interval, std::function<void()> job)
    : interval_(interval), job_(std::move(job)) {
    thread_ = std::thread([this] {
        std::unique_lock lock(mutex_);
        auto next = std::chrono::steady_clock::now() + interval_;
        while (!wake_.wait_until(lock, next, [this] { return stopping_; })) {
            lock.unlock();
            job_();
            lock.lock();
            next += interval_;
        }
    });
}

Ticker::~Ticker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

}  // namespace rtprelay::daemon
