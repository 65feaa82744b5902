#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rtprelay::test {

// A UDP/TCP port on 127.0.0.1 that was free a moment ago, below the ephemeral and media
// port ranges (so that no socket bound to port 0 takes it before the daemon binds it).
uint16_t freePort(int type);

// A scratch directory removed with its contents at destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    void write(const std::string& name, const std::string& content) const;

private:
    std::string path_;
};

// rtprelayd run as a child of the test, with stderr captured to a file.
class DaemonProcess {
public:
    // `inChild` runs in the forked child before exec (e.g. to restrict its system calls).
    explicit DaemonProcess(std::vector<std::string> args, std::string logPath = {},
                           std::function<void()> inChild = {});
    ~DaemonProcess();
    DaemonProcess(const DaemonProcess&) = delete;
    DaemonProcess& operator=(const DaemonProcess&) = delete;

    static std::string binary();

    pid_t pid() const { return pid_; }
    void signal(int sig) const;
    // Waits for the process to exit; returns its exit status, or nullopt on timeout or if it
    // died from a signal.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    bool running();
    std::string log() const;
    // Waits until the log contains `text`.
    bool waitForLog(const std::string& text, std::chrono::milliseconds timeout) const;

private:
    pid_t pid_ = -1;
    std::string logPath_;
    bool ownLog_ = false;
};

// Runs rtprelayd to completion (for configs that must fail) and returns exit status and
// everything it printed on stderr.
struct RunResult {
    int status = -1;
    std::string output;
};
RunResult runToCompletion(std::vector<std::string> args, std::chrono::milliseconds timeout);

}  // namespace rtprelay::test
