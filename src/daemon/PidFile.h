#pragma once

#include <string>

namespace rtprelay::daemon {

// The pid file named by `--pidfile`: written once the daemon is ready, removed at exit.
class PidFile {
public:
    PidFile() = default;
    ~PidFile();
    PidFile(const PidFile&) = delete;
    PidFile& operator=(const PidFile&) = delete;

    // Throws std::runtime_error naming the path on failure.
    void write(const std::string& path);
    void remove();

private:
    std::string path_;
};

}  // namespace rtprelay::daemon
