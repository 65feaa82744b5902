// floor_relay: the simplest UDP relay that uses the kernel mechanisms of rtprelayd's io_uring
// backend, and nothing of its logic. The CPU it spends per relayed packet is the floor under
// any io_uring relay's on this kernel (bench/media.sh FLOOR=1 sets it beside rtprelayd's and
// rtpengine's).
//
//   floor_relay --in A --out B --ports LO-HI [--threads N] [--buffers N] [--time-limit S]
//
// It binds a UDP socket on A and one on B for every port in LO..HI. A datagram that arrives on
// (A, x) from (S, y) leaves from the socket (B, y) to (S, x); one that arrives on (B, x) from
// (S, y) leaves from (A, y) to (S, x). With `rtp_load --direct A,B` (a caller on port c sends
// to A:e, its callee on port e sends to B:c) every packet reaches its peer: caller -> (A, e)
// -> from (B, c) to (S, e), the callee's socket; callee -> (B, c) -> from (A, e) to (S, c).
//
// Mechanisms, those of RelayWorker::runUring through rtprelayd's own media::UringRing: N worker
// threads, each with its own ring (SINGLE_ISSUER | DEFER_TASKRUN | SUBMIT_ALL), a
// provided-buffer ring of --buffers receive buffers and a multishot recvmsg on each of its
// sockets; every packet goes out with IORING_OP_SENDMSG from the buffer it arrived in, and one
// io_uring_enter per batch submits the batch's sends and waits for their completions plus at
// least one new event.
// Left out: learning, RTP parsing, per-stream state and counters (one packet count per worker).
// The sending socket comes from a flat port-indexed array.
//
// Prints READY once every socket is bound and every worker receives, and at the end one line
// `relayed=N send_errors=N dropped=N receive_errors=N stopped_by=signal|time-limit|setup-error`.
// Stops on SIGTERM, SIGINT or after --time-limit seconds (exit status 0); exit status 2 on a
// usage or set-up error.

#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "media/Datagram.h"
#include "media/UringRing.h"

namespace {

// io_uring user data: bit 0 tells a send (buffer id above it) from a receive (side and port).
constexpr uint64_t sendTag = 1;

struct Options {
    in_addr address[2]{};  // --in, --out
    unsigned portLow = 0;
    unsigned portHigh = 0;
    unsigned threads = 2;
    unsigned buffers = 1024;
    double timeLimit = 60;
    unsigned minWaitUs = 0;  // --min-wait-us: 0 = wake for every new event
};

[[noreturn]] void usage(const std::string& why) {
    if (!why.empty()) {
        std::fprintf(stderr, "floor_relay: %s\n", why.c_str());
    }
    std::fprintf(
        stderr,
        "usage: floor_relay --in IP4 --out IP4 --ports LO-HI [--threads N] [--buffers N]\n"
        "                   [--min-wait-us N] (Linux >= 6.12: batch events for N us)\n"
        "                   [--time-limit S]\n"
        "  binds UDP sockets on both addresses for every port in LO..HI and relays: a datagram\n"
        "  on (in, x) from (S, y) leaves from (out, y) to (S, x), and the other way round.\n"
        "  defaults: 2 threads, 1024 receive buffers per thread, 60 s.\n"
        "exit status: 0 stopped (signal or time limit), 2 usage or set-up error\n");
    std::exit(why.empty() ? 0 : 2);
}

template <typename T>
T number(std::string_view s, const char* what) {
    T v{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) {
        usage(std::string("bad ") + what + ": " + std::string(s));
    }
    return v;
}

Options parseArgs(int argc, char** argv) {
    Options o;
    bool haveAddress[2] = {false, false};
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) {
                usage(std::string(a) + " needs a value");
            }
            return argv[++i];
        };
        if (a == "--in" || a == "--out") {
            size_t side = a == "--in" ? 0 : 1;
            std::string text(value());
            if (::inet_pton(AF_INET, text.c_str(), &o.address[side]) != 1) {
                usage(std::string("bad IPv4 address for ") + std::string(a) + ": " + text);
            }
            haveAddress[side] = true;
        } else if (a == "--ports") {
            std::string_view v = value();
            size_t dash = v.find('-');
            if (dash == std::string_view::npos) {
                usage("--ports needs LO-HI");
            }
            o.portLow = number<unsigned>(v.substr(0, dash), "--ports");
            o.portHigh = number<unsigned>(v.substr(dash + 1), "--ports");
        } else if (a == "--threads") {
            o.threads = number<unsigned>(value(), "--threads");
        } else if (a == "--buffers") {
            o.buffers = number<unsigned>(value(), "--buffers");
        } else if (a == "--min-wait-us") {
            o.minWaitUs = number<unsigned>(value(), "--min-wait-us");
        } else if (a == "--time-limit") {
            std::string text(value());
            char* end = nullptr;
            o.timeLimit = std::strtod(text.c_str(), &end);
            if (*end != '\0' || !(o.timeLimit > 0) || o.timeLimit > 86400) {
                usage("bad --time-limit: " + text);
            }
        } else if (a == "-h" || a == "--help") {
            usage("");
        } else {
            usage("unknown option " + std::string(a));
        }
    }
    if (!haveAddress[0] || !haveAddress[1] || o.portLow == 0) {
        usage("--in, --out and --ports are required");
    }
    if (o.address[0].s_addr == o.address[1].s_addr) {
        usage("--in and --out must differ");
    }
    if (o.portLow > o.portHigh || o.portHigh > 65535) {
        usage("--ports LO-HI needs 1 <= LO <= HI <= 65535");
    }
    if (o.threads < 1 || o.threads > 64) {
        usage("--threads must be 1..64");
    }
    if (o.buffers < 16 || o.buffers > 32768 || (o.buffers & (o.buffers - 1)) != 0) {
        usage("--buffers must be a power of 2 in 16..32768");
    }
    return o;
}

// Every bound socket, by side (0: --in, 1: --out) and port.
class Sockets {
public:
    Sockets(unsigned low, unsigned high) : low_(low), high_(high) {
        for (auto& fds : fds_) {
            fds.assign(high - low + 1, -1);
        }
    }
    ~Sockets() {
        for (auto& fds : fds_) {
            for (int fd : fds) {
                if (fd >= 0) {
                    ::close(fd);
                }
            }
        }
    }
    Sockets(const Sockets&) = delete;
    Sockets& operator=(const Sockets&) = delete;

    void set(unsigned side, unsigned port, int fd) { fds_[side][port - low_] = fd; }
    // -1 for a port outside LO..HI.
    int fd(unsigned side, unsigned port) const {
        return port >= low_ && port <= high_ ? fds_[side][port - low_] : -1;
    }

private:
    unsigned low_;
    unsigned high_;
    std::vector<int> fds_[2];
};

struct OwnSocket {
    int fd;
    unsigned side;
    unsigned port;
};

std::atomic<bool> stopping{false};

class Worker {
public:
    Worker(const Sockets& sockets, unsigned buffers, unsigned minWaitUs)
        : sockets_(sockets), buffers_(buffers), minWaitUs_(minWaitUs) {}
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void add(const OwnSocket& s) { own_.push_back(s); }

    // The thread's body: sets up its ring (single issuer: the thread that uses it creates it),
    // arms the receives, counts down `ready` and relays until `stopping`.
    void run(std::latch& ready, std::atomic<bool>& failed) {
        std::string error = setUp();
        if (!error.empty()) {
            std::fprintf(stderr, "floor_relay: %s\n", error.c_str());
            failed.store(true);
            ready.count_down();
            return;
        }
        for (const OwnSocket& s : own_) {
            armReceive(s);
        }
        io_uring& ring = ring_->ring();
        io_uring_submit(&ring);
        ready.count_down();
        while (!stopping.load(std::memory_order_relaxed)) {
            __kernel_timespec timeout{.tv_sec = 5, .tv_nsec = 0};
            if (minWaitUs_ > 0) {
                waitForBatch(timeout);
            } else {
                io_uring_cqe* first = nullptr;
                io_uring_submit_and_wait_timeout(&ring, &first, sendsInFlight_ + 1, &timeout,
                                                 nullptr);
            }
            unsigned head;
            unsigned seen = 0;
            io_uring_cqe* cqe;
            io_uring_for_each_cqe(&ring, head, cqe) {
                ++seen;
                if (cqe->user_data & sendTag) {
                    onSent(*cqe);
                } else {
                    onReceived(*cqe);
                }
            }
            io_uring_cq_advance(&ring, seen);
            ring_->commitBuffers();
        }
    }

    uint64_t relayed() const { return relayed_; }
    uint64_t sendErrors() const { return sendErrors_; }
    uint64_t dropped() const { return dropped_; }
    uint64_t receiveErrors() const { return receiveErrors_; }

private:
    // One io_uring_enter that submits the queued sends and sleeps until --min-wait-us has
    // passed with at least one event ready (or many events are ready): fewer, bigger batches
    // at the price of up to that much latency. Linux >= 6.12 (IORING_FEAT_MIN_TIMEOUT) reads
    // the minimum from the field liburing 2.3 still calls `pad`; liburing 2.3 has no call
    // for it, hence the raw system call after publishing the submission queue tail.
    void waitForBatch(__kernel_timespec& timeout) {
        io_uring& ring = ring_->ring();
        unsigned tail = ring.sq.sqe_tail;
        if (ring.sq.sqe_head != tail) {
            ring.sq.sqe_head = tail;
            io_uring_smp_store_release(ring.sq.ktail, tail);
        }
        unsigned toSubmit = tail - io_uring_smp_load_acquire(ring.sq.khead);
        io_uring_getevents_arg arg{};
        arg.pad = minWaitUs_;
        arg.ts = reinterpret_cast<uint64_t>(&timeout);
        ::syscall(__NR_io_uring_enter, ring.ring_fd, toSubmit, sendsInFlight_ + batchEvents,
                  IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof(arg));
    }

    // With --min-wait-us: this many new events end the wait early.
    static constexpr unsigned batchEvents = 256;

    struct PendingSend {
        msghdr header;
        iovec data;
        sockaddr_in destination;
    };

    std::string setUp() {
        std::string error;
        ring_ = rtprelay::media::UringRing::create(buffers_, error);
        if (!ring_) {
            return error;
        }
        pending_.assign(ring_->buffers(), PendingSend{});
        return "";
    }

    void armReceive(const OwnSocket& s) {
        io_uring_sqe* e = ring_->sqe();
        ring_->prepareMultishotRecv(e, s.fd);
        io_uring_sqe_set_data64(e, static_cast<uint64_t>(s.port) << 2 | s.side << 1);
    }

    void onReceived(const io_uring_cqe& cqe) {
        const unsigned side = (cqe.user_data >> 1) & 1;
        const unsigned port = static_cast<unsigned>(cqe.user_data >> 2);
        const bool hasBuffer = (cqe.flags & IORING_CQE_F_BUFFER) != 0;
        const auto id = static_cast<uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
        bool forwarded = false;
        if (cqe.res > 0 && hasBuffer) {
            rtprelay::media::Datagram datagram;
            int out = -1;
            const sockaddr_in* source = nullptr;
            if (ring_->parse(cqe, datagram) && datagram.sourceLength == sizeof(sockaddr_in) &&
                !datagram.truncated) {
                source = reinterpret_cast<const sockaddr_in*>(datagram.source);
                out = sockets_.fd(side ^ 1, ntohs(source->sin_port));
            }
            if (out >= 0) {
                // The destination is the source with the receiving socket's port.
                PendingSend& send = pending_[id];
                send.destination = *source;
                send.destination.sin_port = htons(static_cast<uint16_t>(port));
                send.data = {const_cast<uint8_t*>(datagram.payload.data()),
                             datagram.payload.size()};
                send.header = {};
                send.header.msg_name = &send.destination;
                send.header.msg_namelen = sizeof(sockaddr_in);
                send.header.msg_iov = &send.data;
                send.header.msg_iovlen = 1;
                io_uring_sqe* e = ring_->sqe();
                io_uring_prep_sendmsg(e, out, &send.header, MSG_DONTWAIT);
                io_uring_sqe_set_data64(e, static_cast<uint64_t>(id) << 1 | sendTag);
                ++sendsInFlight_;
                forwarded = true;
            } else {
                ++dropped_;
            }
        } else if (cqe.res < 0 && cqe.res != -ENOBUFS && cqe.res != -ECANCELED) {
            ++receiveErrors_;
        }
        if (hasBuffer && !forwarded) {
            ring_->recycle(id);
        }
        // The multishot request ended (out of buffers: the packets wait in the socket until
        // buffers come back; or an error): a new one, unless receives keep failing.
        if (!(cqe.flags & IORING_CQE_F_MORE) && cqe.res != -ECANCELED && receiveErrors_ < 1000) {
            armReceive(OwnSocket{sockets_.fd(side, port), side, port});
        }
    }

    void onSent(const io_uring_cqe& cqe) {
        if (cqe.res >= 0) {
            ++relayed_;
        } else {
            ++sendErrors_;
        }
        --sendsInFlight_;
        ring_->recycle(static_cast<uint16_t>(cqe.user_data >> 1));
    }

    const Sockets& sockets_;
    const unsigned buffers_;
    const unsigned minWaitUs_;
    std::vector<OwnSocket> own_;
    std::unique_ptr<rtprelay::media::UringRing> ring_;
    std::vector<PendingSend> pending_;
    unsigned sendsInFlight_ = 0;
    uint64_t relayed_ = 0;
    uint64_t sendErrors_ = 0;
    uint64_t dropped_ = 0;
    uint64_t receiveErrors_ = 0;
};

void raiseFileLimit(size_t need) {
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < need) {
        rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, need);
        ::setrlimit(RLIMIT_NOFILE, &rl);
        ::getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < need) {
        std::fprintf(stderr, "floor_relay: %zu sockets need %zu descriptors, the limit is %llu\n",
                     need - 64, need, static_cast<unsigned long long>(rl.rlim_cur));
        std::exit(2);
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options o = parseArgs(argc, argv);
    const unsigned ports = o.portHigh - o.portLow + 1;
    raiseFileLimit(2 * static_cast<size_t>(ports) + 64);

    // SIGINT and SIGTERM are taken by sigtimedwait in this thread only; the workers inherit
    // the mask.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    Sockets sockets(o.portLow, o.portHigh);
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned t = 0; t < o.threads; ++t) {
        workers.push_back(std::make_unique<Worker>(sockets, o.buffers, o.minWaitUs));
    }
    for (unsigned side = 0; side < 2; ++side) {
        for (unsigned port = o.portLow; port <= o.portHigh; ++port) {
            int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            sockaddr_in sin{};
            sin.sin_family = AF_INET;
            sin.sin_addr = o.address[side];
            sin.sin_port = htons(static_cast<uint16_t>(port));
            if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
                char text[INET_ADDRSTRLEN];
                ::inet_ntop(AF_INET, &o.address[side], text, sizeof text);
                std::fprintf(stderr, "floor_relay: cannot bind %s:%u: %s\n", text, port,
                             std::strerror(errno));
                if (fd >= 0) {
                    ::close(fd);
                }
                return 2;
            }
            sockets.set(side, port, fd);
            // RTP ports are mostly even: a plain port modulo would leave workers idle.
            unsigned spread = (port * 2 + side) * 2654435761u >> 16;
            workers[spread % o.threads]->add(OwnSocket{fd, side, port});
        }
    }

    std::latch ready(o.threads);
    std::atomic<bool> failed{false};
    std::vector<std::thread> threads;
    for (auto& w : workers) {
        threads.emplace_back([&ready, &failed, worker = w.get()] { worker->run(ready, failed); });
    }
    ready.wait();
    const char* stoppedBy = "signal";
    if (failed.load()) {
        stoppedBy = "setup-error";
    } else {
        std::printf("READY\n");
        std::fflush(stdout);
        double whole = std::floor(o.timeLimit);
        timespec limit{static_cast<time_t>(whole), static_cast<long>((o.timeLimit - whole) * 1e9)};
        timespec deadline;
        ::clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += limit.tv_sec;
        deadline.tv_nsec += limit.tv_nsec;
        if (deadline.tv_nsec >= 1'000'000'000) {
            ++deadline.tv_sec;
            deadline.tv_nsec -= 1'000'000'000;
        }
        for (;;) {
            timespec now;
            ::clock_gettime(CLOCK_MONOTONIC, &now);
            int64_t left = (deadline.tv_sec - now.tv_sec) * int64_t{1'000'000'000} +
                           (deadline.tv_nsec - now.tv_nsec);
            if (left <= 0) {
                stoppedBy = "time-limit";
                break;
            }
            timespec wait{static_cast<time_t>(left / 1'000'000'000),
                          static_cast<long>(left % 1'000'000'000)};
            if (::sigtimedwait(&stopSignals, nullptr, &wait) >= 0) {
                break;
            }
        }
    }
    stopping.store(true);
    for (auto& t : threads) {
        t.join();
    }
    uint64_t relayed = 0, sendErrors = 0, dropped = 0, receiveErrors = 0;
    for (const auto& w : workers) {
        relayed += w->relayed();
        sendErrors += w->sendErrors();
        dropped += w->dropped();
        receiveErrors += w->receiveErrors();
    }
    std::printf("relayed=%llu send_errors=%llu dropped=%llu receive_errors=%llu stopped_by=%s\n",
                static_cast<unsigned long long>(relayed),
                static_cast<unsigned long long>(sendErrors),
                static_cast<unsigned long long>(dropped),
                static_cast<unsigned long long>(receiveErrors), stoppedBy);
    workers.clear();  // rings first: their requests hold the sockets
    return failed.load() ? 2 : 0;
}
