#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "log/Log.h"
#include "log/LogThrottle.h"

namespace rtprelay::control {

// One descriptor held in reserve for a listening TCP socket. At the open file limit accept()
// fails with EMFILE while the connection stays queued, so a level-triggered listener would wake
// its thread again and again; giving up the spare lets the connection be accepted and closed at
// once: the client learns the daemon is busy and the thread goes back to its work.
//
// Every accept through a spare holds one process-wide lock: while a spare is given up, another
// thread accepting on any spare-guarded listener would take its slot for an ordinary connection,
// and the spare could not be taken back.
class SpareDescriptor {
public:
    SpareDescriptor(log::Subsystem subsystem, std::string listener);
    ~SpareDescriptor();
    SpareDescriptor(const SpareDescriptor&) = delete;
    SpareDescriptor& operator=(const SpareDescriptor&) = delete;

    // accept4() on `listenFd`. At the file limit it accepts and closes one pending connection,
    // logs (at most every 10 s) how many were dropped so far, and returns -1 with errno EMFILE
    // or ENFILE. A spare lost to another part of the process is taken back first.
    int accept(int listenFd, sockaddr* peer, socklen_t* peerLength, int flags);

    bool holdsSpare() const;

private:
    log::Subsystem subsystem_;
    std::string listener_;
    int fd_ = -1;  // guarded by the process-wide lock
    log::LogThrottle dropLog_{std::chrono::seconds(10)};
};

}  // namespace rtprelay::control
