#include "media/UringRing.h"

#include "media/RelayOptions.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace rtprelay::media {

namespace {

constexpr uint16_t bufferGroup = 0;
constexpr unsigned submissionEntries = 1024;
constexpr uint64_t selfTestTag = 1;

std::string errorText(const char* what, int negativeErrno) {
    return std::string(what) + ": " + std::strerror(-negativeErrno);
}

}  // namespace

std::unique_ptr<UringRing> UringRing::create(unsigned buffers, std::string& error) {
    std::unique_ptr<UringRing> ring(new UringRing());
    if (!ring->setUp(buffers, error) || !ring->selfTest(error)) {
        return nullptr;
    }
    return ring;
}

bool UringRing::setUp(unsigned buffers, std::string& error) {
    buffers_ = ioUringBufferCount(buffers);
    io_uring_params params{};
    // Every buffer can be in one receive and one send completion at once, plus re-arms.
    params.cq_entries = std::max(4096u, 4 * buffers_);
    // Completions are processed only when the worker asks for them: packets that arrive
    // while it relays a batch wait for the next one instead of interrupting it.
    params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER |
                   IORING_SETUP_DEFER_TASKRUN;
    int rc = io_uring_queue_init_params(submissionEntries, &ring_, &params);
    if (rc == -EINVAL) {  // kernels before 6.1
        params = {};
        params.cq_entries = std::max(4096u, 4 * buffers_);
        params.flags = IORING_SETUP_CQSIZE;
        rc = io_uring_queue_init_params(submissionEntries, &ring_, &params);
    }
    if (rc < 0) {
        error = errorText("io_uring_setup", rc);
        return false;
    }
    ringReady_ = true;

    bufferRingBytes_ = buffers_ * sizeof(io_uring_buf);
    void* ringMemory =
        mmap(nullptr, bufferRingBytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ringMemory == MAP_FAILED) {
        error = errorText("buffer ring", -errno);
        return false;
    }
    bufferRing_ = static_cast<io_uring_buf_ring*>(ringMemory);
    io_uring_buf_ring_init(bufferRing_);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uintptr_t>(bufferRing_);
    reg.ring_entries = buffers_;
    reg.bgid = bufferGroup;
    rc = io_uring_register_buf_ring(&ring_, &reg, 0);
    if (rc < 0) {
        munmap(bufferRing_, bufferRingBytes_);
        bufferRing_ = nullptr;
        error = errorText("io_uring_register_buf_ring", rc);
        return false;
    }

    recvTemplate_.msg_namelen = sizeof(sockaddr_in6);
    recvTemplate_.msg_controllen = 0;
    stride_ =
        (sizeof(io_uring_recvmsg_out) + sizeof(sockaddr_in6) + payloadSize + 63) & ~size_t{63};
    memoryBytes_ = stride_ * buffers_;
    void* memory =
        mmap(nullptr, memoryBytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        error = errorText("receive buffers", -errno);
        return false;
    }
    memory_ = static_cast<uint8_t*>(memory);
    for (unsigned id = 0; id < buffers_; ++id) {
        recycle(static_cast<uint16_t>(id));
    }
    commitBuffers();
    return true;
}

// Multishot recvmsg with provided buffers needs kernel 6.0; seccomp or a sandbox may also
// refuse parts of io_uring. One datagram through a socket pair shows the whole path works.
bool UringRing::selfTest(std::string& error) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0) {
        error = errorText("self-test socketpair", -errno);
        return false;
    }
    bool ok = false;
    io_uring_sqe* s = sqe();
    prepareMultishotRecv(s, fds[0]);
    io_uring_sqe_set_data64(s, selfTestTag);
    const char probe[] = "rtprelay";
    if (::send(fds[1], probe, sizeof probe, 0) != static_cast<ssize_t>(sizeof probe)) {
        error = errorText("self-test send", -errno);
    } else {
        __kernel_timespec timeout{.tv_sec = 2, .tv_nsec = 0};
        io_uring_cqe* cqe = nullptr;
        int rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &timeout, nullptr);
        if (rc < 0 || !cqe) {
            error = errorText("self-test io_uring_enter", rc < 0 ? rc : -ETIME);
        } else if (cqe->res < 0) {
            error = errorText("self-test multishot recvmsg", cqe->res);
        } else {
            Datagram received;
            ok = (cqe->flags & IORING_CQE_F_MORE) && parse(*cqe, received) &&
                 received.payload.size() == sizeof probe &&
                 std::memcmp(received.payload.data(), probe, sizeof probe) == 0;
            if (!ok) {
                error = "self-test: multishot recvmsg returned an unexpected completion";
            }
            if (cqe->flags & IORING_CQE_F_BUFFER) {
                recycle(static_cast<uint16_t>(cqe->flags >> IORING_CQE_BUFFER_SHIFT));
                commitBuffers();
            }
        }
        if (cqe) {
            io_uring_cqe_seen(&ring_, cqe);
        }
    }
    cancelFd(fds[0]);
    // The cancelled request's last completion.
    io_uring_cqe* cqe = nullptr;
    __kernel_timespec timeout{.tv_sec = 0, .tv_nsec = 100'000'000};
    while (io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &timeout, nullptr) >= 0 && cqe) {
        io_uring_cqe_seen(&ring_, cqe);
        cqe = nullptr;
        timeout.tv_nsec = 0;
    }
    ::close(fds[0]);
    ::close(fds[1]);
    return ok;
}

UringRing::~UringRing() {
    if (ringReady_) {
        cancelAll();
        if (bufferRing_) {
            io_uring_unregister_buf_ring(&ring_, bufferGroup);
        }
        io_uring_queue_exit(&ring_);
    }
    if (bufferRing_) {
        munmap(bufferRing_, bufferRingBytes_);
    }
    if (memory_) {
        munmap(memory_, memoryBytes_);
    }
}

io_uring_sqe* UringRing::sqe() {
    io_uring_sqe* s = io_uring_get_sqe(&ring_);
    while (!s) {
        io_uring_submit(&ring_);
        s = io_uring_get_sqe(&ring_);
    }
    return s;
}

void UringRing::prepareMultishotRecv(io_uring_sqe* s, int fd) {
    io_uring_prep_recvmsg_multishot(s, fd, &recvTemplate_, 0);
    s->flags |= IOSQE_BUFFER_SELECT;
    s->buf_group = bufferGroup;
}

bool UringRing::parse(const io_uring_cqe& cqe, Datagram& out) {
    if (cqe.res <= 0 || !(cqe.flags & IORING_CQE_F_BUFFER)) {
        return false;
    }
    void* base = buffer(static_cast<uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT));
    io_uring_recvmsg_out* header = io_uring_recvmsg_validate(base, cqe.res, &recvTemplate_);
    if (!header) {
        return false;
    }
    out.source = static_cast<const sockaddr*>(io_uring_recvmsg_name(header));
    out.sourceLength = std::min<socklen_t>(header->namelen, recvTemplate_.msg_namelen);
    auto* payload = static_cast<const uint8_t*>(io_uring_recvmsg_payload(header, &recvTemplate_));
    out.payload = {payload, io_uring_recvmsg_payload_length(header, cqe.res, &recvTemplate_)};
    out.truncated = (header->flags & MSG_TRUNC) != 0;
    return true;
}

void UringRing::recycle(uint16_t id) {
    io_uring_buf_ring_add(bufferRing_, buffer(id), static_cast<unsigned>(stride_), id,
                          io_uring_buf_ring_mask(buffers_), static_cast<int>(pendingRecycles_));
    ++pendingRecycles_;
}

void UringRing::commitBuffers() {
    if (pendingRecycles_ > 0) {
        io_uring_buf_ring_advance(bufferRing_, static_cast<int>(pendingRecycles_));
        pendingRecycles_ = 0;
    }
}

void UringRing::cancelFd(int fd) {
    io_uring_sync_cancel_reg reg{};
    reg.fd = fd;
    reg.flags = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL;
    reg.timeout = {.tv_sec = -1, .tv_nsec = -1};
    io_uring_register_sync_cancel(&ring_, &reg);
    // With deferred task work the cancelled requests finish (and drop their hold on the
    // socket, so its port can be bound again) only when the worker asks for completions.
    io_uring_get_events(&ring_);
}

void UringRing::cancelAll() {
    io_uring_sync_cancel_reg reg{};
    reg.flags = IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL;
    reg.timeout = {.tv_sec = -1, .tv_nsec = -1};
    io_uring_register_sync_cancel(&ring_, &reg);
}

}  // namespace rtprelay::media
