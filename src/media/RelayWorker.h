#pragma once

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "media/KernelOffload.h"
#include "media/SocketRoute.h"

namespace rtprelay::media {

struct RelayTotals {
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint64_t errors = 0;
};

// One media thread: owns the routes of the calls assigned to it, waits on their sockets
// with epoll and relays in batches (recvmmsg → classify → learn → sendmmsg). Signalling
// talks to it only through its message queue, applied between batches, so the packet path
// takes no lock and allocates nothing.
class RelayWorker {
public:
    static constexpr size_t batchSize = 32;
    static constexpr size_t bufferSize = 4096;

    RelayWorker();
    ~RelayWorker();
    RelayWorker(const RelayWorker&) = delete;
    RelayWorker& operator=(const RelayWorker&) = delete;

    // The kernel fast path to offload confirmed routes to; set before start().
    void setKernelOffload(KernelOffload* offload) { offload_ = offload; }
    void start();
    void stop();

    // Replaces every route of a call (an empty list removes the call); returns once the
    // worker no longer uses the call's previous sockets, so they may be closed.
    void setRoutes(uint64_t callKey, std::vector<SocketRoute> routes);

    RelayTotals totals() const;

private:
    struct Message {
        uint64_t callKey;
        std::vector<SocketRoute> routes;
        std::promise<void> done;
    };
    // A route plus what the worker tracks for it.
    struct ActiveRoute {
        SocketRoute route;
        uint64_t callKey = 0;
        uint32_t publishedGeneration = UINT32_MAX;
        bool kernelized = false;
        bool kernelRefused = false;  // the kernel cannot take it: do not ask per packet
        std::optional<net::Endpoint> kernelSource;
        std::optional<net::Endpoint> kernelDestination;
    };

    void run();
    void applyMessages();
    void receive(ActiveRoute& active);
    void flush(int fd, size_t first, size_t count);

    // Kernel fast path (no-ops without an offload).
    std::optional<OffloadRequest> offloadRequest(const ActiveRoute& active) const;
    void kernelize(ActiveRoute& active);
    void unkernelize(ActiveRoute& active);
    // A leg's learned endpoint changed: entries that send to it or expect it follow.
    void refreshKernelRoutes(uint64_t callKey, const LegRuntime* leg);

    KernelOffload* offload_ = nullptr;
    int epollFd_ = -1;
    int wakeFd_ = -1;
    std::atomic<bool> stopping_{false};
    std::thread thread_;

    std::mutex queueMutex_;
    std::deque<Message> queue_;

    // Touched by the worker thread only.
    std::unordered_map<uint64_t, std::vector<std::unique_ptr<ActiveRoute>>> calls_;
    std::array<std::array<uint8_t, bufferSize>, batchSize> buffers_{};
    std::array<mmsghdr, batchSize> rx_{};
    std::array<iovec, batchSize> rxIov_{};
    std::array<sockaddr_storage, batchSize> rxNames_{};
    std::array<mmsghdr, batchSize> tx_{};
    std::array<iovec, batchSize> txIov_{};
    std::array<sockaddr_storage, batchSize> txNames_{};
    std::array<int, batchSize> txFd_{};
    std::array<StreamCounters*, batchSize> txCounters_{};

    std::atomic<uint64_t> packets_{0};
    std::atomic<uint64_t> bytes_{0};
    std::atomic<uint64_t> errors_{0};
};

}  // namespace rtprelay::media
