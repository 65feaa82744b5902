#pragma once

#include <liburing.h>
#include <netinet/in.h>

#include <cstdint>
#include <memory>
#include <string>

#include "media/Datagram.h"

namespace rtprelay::media {

// One relay worker's io_uring: a submission/completion ring plus a ring of provided receive
// buffers that multishot recvmsg requests on every socket of the worker draw from. Created and
// used by the worker thread only (the ring is single-issuer).
class UringRing {
public:
    // Room for a packet as large as the epoll path's buffer, after the recvmsg header.
    static constexpr size_t payloadSize = 4096;

    // Sets up the rings and proves that multishot recvmsg with provided buffers works here
    // (one datagram over loopback). Null with `error` set when io_uring is unavailable
    // (kernel too old, io_uring_disabled, seccomp) or the self-test fails.
    static std::unique_ptr<UringRing> create(unsigned buffers, std::string& error);
    ~UringRing();
    UringRing(const UringRing&) = delete;
    UringRing& operator=(const UringRing&) = delete;

    io_uring& ring() { return ring_; }
    unsigned buffers() const { return buffers_; }

    // A free submission entry; flushes the queue to the kernel when it is full.
    io_uring_sqe* sqe();
    void prepareMultishotRecv(io_uring_sqe* sqe, int fd);
    // The datagram in a completed recvmsg; false when the buffer does not hold a valid one.
    bool parse(const io_uring_cqe& cqe, Datagram& out);
    uint8_t* buffer(uint16_t id) { return memory_ + static_cast<size_t>(id) * stride_; }
    // Gives a buffer back to the kernel; visible to it after commitBuffers().
    void recycle(uint16_t id);
    void commitBuffers();
    // Ends every request on `fd` and waits until they are done.
    void cancelFd(int fd);
    void cancelAll();

private:
    UringRing() = default;
    bool setUp(unsigned buffers, std::string& error);
    bool selfTest(std::string& error);

    io_uring ring_{};
    bool ringReady_ = false;
    io_uring_buf_ring* bufferRing_ = nullptr;
    size_t bufferRingBytes_ = 0;
    uint8_t* memory_ = nullptr;
    size_t memoryBytes_ = 0;
    unsigned buffers_ = 0;
    size_t stride_ = 0;
    unsigned pendingRecycles_ = 0;
    msghdr recvTemplate_{};
};

}  // namespace rtprelay::media
