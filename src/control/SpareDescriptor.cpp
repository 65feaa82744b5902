#include "control/SpareDescriptor.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace rtprelay::control {

SpareDescriptor::SpareDescriptor(log::Subsystem subsystem, std::string listener)
    : subsystem_(subsystem), listener_(std::move(listener)) {
    fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

SpareDescriptor::~SpareDescriptor() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void SpareDescriptor::dropPendingIfAtLimit(int listenFd, int error) {
    if (error != EMFILE && error != ENFILE) {
        return;
    }
    std::lock_guard lock(mutex_);
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
        ::close(fd);
        ++dropped_;
    }
    fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    auto now = std::chrono::steady_clock::now();
    if (dropped_ > reported_ && now - lastReport_ >= std::chrono::seconds(10)) {
        log::error(subsystem_,
                   "{}: open file limit reached, closed {} connection(s) right after accepting "
                   "them; raise LimitNOFILE or lower the load",
                   listener_, dropped_ - reported_);
        reported_ = dropped_;
        lastReport_ = now;
    }
}

}  // namespace rtprelay::control
