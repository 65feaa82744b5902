#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace rtprelay::daemon {

// Runs a job at a fixed interval on its own thread until destroyed (timers of the call
// model: delete-delay, offer-timeout, final-timeout).
class Ticker {
public:
    Ticker(std::chrono::milliseconds interval, std::function<void()> job);
    ~Ticker();
    Ticker(const Ticker&) = delete;
    Ticker& operator=(const Ticker&) = delete;

private:
    std::chrono::milliseconds interval_;
    std::function<void()> job_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace rtprelay::daemon
