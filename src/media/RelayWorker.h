#pragma once

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "media/Datagram.h"
#include "media/KernelOffload.h"
#include "media/RelayOptions.h"
#include "media/SocketRoute.h"

struct io_uring_cqe;

namespace rtprelay::media {

class UringRing;

struct RelayTotals {
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint64_t errors = 0;
};

// One media thread: owns the routes of the calls assigned to it and relays what arrives on
// their sockets (classify → learn → count → forward). Two backends:
//  - io_uring: a multishot recvmsg per socket fills provided buffers, the sends go back as
//    sendmsg requests from those same buffers, and one io_uring_enter per loop submits them
//    and waits for the next packets;
//  - epoll: epoll_wait, then recvmmsg and sendmmsg per ready socket.
// Signalling talks to it only through its message queue, applied between batches, so the
// packet path takes no lock and allocates nothing.
class RelayWorker {
public:
    static constexpr size_t batchSize = 32;
    static constexpr size_t bufferSize = 4096;
    // How often a stream the kernel could not take for now (full table) is offered again.
    static constexpr std::chrono::seconds kernelRetryInterval{2};
    // Longest sleep of an idle worker. Signalling and stop() wake it through its eventfd, so
    // this only bounds how long a lost wake-up could go unnoticed; each timed-out sleep costs
    // a wake-up, and with every stream in the kernel the workers have nothing else to do.
    static constexpr int idleWaitMs = 5000;

    explicit RelayWorker(RelayOptions options = {});
    ~RelayWorker();
    RelayWorker(const RelayWorker&) = delete;
    RelayWorker& operator=(const RelayWorker&) = delete;

    // The kernel fast path to offload confirmed routes to; set before start().
    void setKernelOffload(KernelOffload* offload) { offload_ = offload; }
    // Returns once the thread runs with its backend chosen.
    void start();
    void stop();
    RelayBackend backend() const { return backend_; }
    // Why io_uring was asked for and not used (empty otherwise).
    const std::string& fallbackReason() const { return fallbackReason_; }

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
        // The kernel could not take it for now (full table): ask again from this time on.
        // Unset (the epoch) unless the last offer was refused that way.
        std::chrono::steady_clock::time_point kernelRetryAt{};
        std::optional<net::Endpoint> kernelSource;
        std::optional<net::Endpoint> kernelDestination;
        // io_uring: requests that may still complete with this route's address.
        uint32_t inFlight = 0;
        uint32_t receiveFailures = 0;  // consecutive failed receives
        bool retired = false;          // replaced or removed; freed when inFlight is 0
    };
    // Read once per batch: every packet of a batch gets the same time.
    struct BatchClock {
        int64_t wallUs = 0;
        std::chrono::steady_clock::time_point now;
        static BatchClock read();
    };
    // Where a packet goes.
    struct Outgoing {
        int fd = -1;
        const net::Endpoint* destination = nullptr;
        StreamCounters* counters = nullptr;
    };
    // io_uring: one send in flight, indexed by the receive buffer it sends from.
    struct PendingSend {
        msghdr header{};
        iovec data{};
        sockaddr_storage destination{};
        ActiveRoute* route = nullptr;
        StreamCounters* counters = nullptr;
    };

    void run(std::promise<void>& ready);
    void runEpoll();
    void runUring(UringRing& ring);
    void applyMessages(UringRing* ring = nullptr);
    // Classifies, counts and learns from one datagram that arrived on `active`'s socket;
    // true (with `out` filled) when it is to be forwarded.
    bool relayPacket(ActiveRoute& active, const Datagram& datagram, const BatchClock& clock,
                     Outgoing& out);
    void receive(ActiveRoute& active, const BatchClock& clock);
    void flush(int fd, size_t first, size_t count);
    void countRelayed(StreamCounters& counters, size_t bytes);
    void uncountRelayed(StreamCounters& counters, size_t bytes);

    // io_uring backend.
    void armReceive(UringRing& ring, ActiveRoute& active);
    void onReceived(UringRing& ring, const io_uring_cqe& cqe, const BatchClock& clock);
    void onSent(UringRing& ring, const io_uring_cqe& cqe);
    void release(ActiveRoute& active);  // one request of a route is done

    // Kernel fast path (no-ops without an offload).
    std::optional<OffloadRequest> offloadRequest(const ActiveRoute& active) const;
    // Offers the route to the kernel once both ends are known.
    void kernelize(ActiveRoute& active, std::chrono::steady_clock::time_point now);
    void unkernelize(ActiveRoute& active);
    // A leg's learned endpoint changed: entries that send to it or expect it follow.
    void refreshKernelRoutes(uint64_t callKey, const LegRuntime* leg);

    RelayOptions options_;
    RelayBackend backend_ = RelayBackend::epoll;
    std::string fallbackReason_;
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
    // io_uring backend (sized when the ring is set up).
    std::vector<PendingSend> pendingSends_;
    unsigned sendsInFlight_ = 0;
    std::vector<std::unique_ptr<ActiveRoute>> retired_;

    std::atomic<uint64_t> packets_{0};
    std::atomic<uint64_t> bytes_{0};
    std::atomic<uint64_t> errors_{0};
};

}  // namespace rtprelay::media
