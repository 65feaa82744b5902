#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "log/Log.h"
#include "log/LogThrottle.h"

namespace rtprelay::control {

// One descriptor held in reserve for a listening TCP socket. At the open file limit accept()
// fails with EMFILE while the connection stays queued, so a level-triggered listener would wake
// its thread again and again; giving up the spare lets the connection be accepted and closed at
// once: the client learns the daemon is busy and the thread goes back to its work.
class SpareDescriptor {
public:
    SpareDescriptor(log::Subsystem subsystem, std::string listener);
    ~SpareDescriptor();
    SpareDescriptor(const SpareDescriptor&) = delete;
    SpareDescriptor& operator=(const SpareDescriptor&) = delete;

    // Call after accept() failed with `error`: at the file limit, accepts and closes one pending
    // connection on `listenFd` and logs (at most every 10 s) how many were dropped so far.
    void dropPendingIfAtLimit(int listenFd, int error);

private:
    log::Subsystem subsystem_;
    std::string listener_;
    std::mutex mutex_;
    int fd_ = -1;
    log::LogThrottle dropLog_{std::chrono::seconds(10)};
};

}  // namespace rtprelay::control
