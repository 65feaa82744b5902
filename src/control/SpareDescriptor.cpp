#include "control/SpareDescriptor.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

namespace rtprelay::control {

namespace {

std::mutex& acceptLock() {
    static std::mutex lock;
    return lock;
}

int openSpare() {
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

}  // namespace

SpareDescriptor::SpareDescriptor(log::Subsystem subsystem, std::string listener)
    : subsystem_(subsystem), listener_(std::move(listener)) {
    std::lock_guard lock(acceptLock());
    fd_ = openSpare();
}

SpareDescriptor::~SpareDescriptor() {
    std::lock_guard lock(acceptLock());
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool SpareDescriptor::holdsSpare() const {
    std::lock_guard lock(acceptLock());
    return fd_ >= 0;
}

int SpareDescriptor::accept(int listenFd, sockaddr* peer, socklen_t* peerLength, int flags) {
    std::lock_guard lock(acceptLock());
    if (fd_ < 0) {
        fd_ = openSpare();
    }
    int fd = ::accept4(listenFd, peer, peerLength, flags);
    if (fd >= 0 || (errno != EMFILE && errno != ENFILE) || fd_ < 0) {
        return fd;
    }
    int limitError = errno;
    ::close(fd_);
    int dropped = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
    if (dropped >= 0) {
        ::close(dropped);  // before taking the spare back: its slot is the one just used
    }
    fd_ = openSpare();
    if (dropped >= 0) {
        if (uint64_t heldBack = 0; dropLog_.admit(heldBack)) {
            log::error(subsystem_,
                       "{}: open file limit reached, closed {} connection(s) right after "
                       "accepting them; raise LimitNOFILE or lower the load",
                       listener_, heldBack + 1);
        }
    }
    errno = limitError;
    return -1;
}

}  // namespace rtprelay::control
