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
        ::close(fd);  // before taking the spare back: its slot is the one just used
    }
    fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    if (uint64_t heldBack = 0; dropLog_.admit(heldBack)) {
        log::error(subsystem_,
                   "{}: open file limit reached, closed {} connection(s) right after accepting "
                   "them; raise LimitNOFILE or lower the load",
                   listener_, heldBack + 1);
    }
}

}  // namespace rtprelay::control
