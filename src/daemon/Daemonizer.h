#pragma once

#include <string>

namespace rtprelay::daemon {

// Backgrounds the process the way a Type=forking unit expects: the launching process
// stays until the daemon reports that it is ready (sockets bound, pid file written) or
// failed, and exits with 0 or 1 accordingly, so `systemctl start` reports the truth.
class Daemonizer {
public:
    // Forks. Returns in the child only; the parent waits and exits. Must run before any
    // thread is started.
    void detach();
    // Child: tells the waiting parent to exit 0; detaches stdio from the terminal.
    void ready();
    // Child: tells the parent to print `message` and exit 1.
    void fail(const std::string& message);
    bool detached() const { return pipeFd_ >= 0; }

private:
    int pipeFd_ = -1;
};

}  // namespace rtprelay::daemon
