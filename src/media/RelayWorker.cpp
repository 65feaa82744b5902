#include "media/RelayWorker.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <set>
#include <stdexcept>

#include "media/PacketClass.h"
#include "media/RtcpPacket.h"
#include "media/RtpPacket.h"
#include "media/UringRing.h"

namespace rtprelay::media {

namespace {

// io_uring user data: a receive carries its route's address (8-byte aligned, tag 0).
constexpr uint64_t tagMask = 7;
constexpr uint64_t receiveTag = 0;
constexpr uint64_t sendTag = 1;
constexpr uint64_t wakeTag = 2;
// A socket whose receives keep failing is given up after this many in a row (an error the
// kernel repeats at once, such as EINVAL, would otherwise spin the worker).
constexpr uint32_t maxReceiveFailures = 64;

// Every counter the packet path writes has one writer, the worker: a plain load and store
// keeps readers exact without a locked read-modify-write per packet.
template <typename T>
void bump(std::atomic<T>& counter, T by = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

void countPacket(StreamCounters& c, size_t bytes, int64_t nowUs) {
    bump<uint64_t>(c.packets);
    bump<uint64_t>(c.bytes, bytes);
    c.lastPacketUs.store(nowUs, std::memory_order_relaxed);
}

void noteRtp(LegRuntime& leg, const RtpHeaderView& rtp, size_t bytes) {
    uint32_t ssrc = rtp.ssrc();
    uint32_t count = leg.ssrcCount.load(std::memory_order_relaxed);
    SsrcCounters* slot = nullptr;
    for (uint32_t i = 0; i < count; ++i) {
        if (leg.ssrcs[i].ssrc.load(std::memory_order_relaxed) == ssrc) {
            slot = &leg.ssrcs[i];
            break;
        }
    }
    if (!slot && count < LegRuntime::maxSsrcs) {
        slot = &leg.ssrcs[count];
        slot->ssrc.store(ssrc, std::memory_order_relaxed);
        leg.ssrcCount.store(count + 1, std::memory_order_release);
    }
    if (slot) {
        bump<uint64_t>(slot->packets);
        bump<uint64_t>(slot->bytes, bytes);
        slot->lastTimestamp.store(rtp.timestamp(), std::memory_order_relaxed);
        slot->lastSequence.store(rtp.sequenceNumber(), std::memory_order_relaxed);
    }
    int pt = rtp.payloadType() + 1;
    for (auto& seen : leg.payloadTypes) {
        int value = seen.load(std::memory_order_relaxed);
        if (value == pt) {
            break;
        }
        if (value == 0) {
            seen.store(pt, std::memory_order_relaxed);
            break;
        }
    }
}

void noteRtcp(LegRuntime& leg, const RtcpSummary& rtcp) {
    if (rtcp.blockCount == 0) {
        return;
    }
    const RtcpReportBlock& block = rtcp.blocks[0];
    bump<uint64_t>(leg.rtcp.reports);
    leg.rtcp.fractionLost.store(block.fractionLost, std::memory_order_relaxed);
    leg.rtcp.cumulativeLost.store(block.cumulativeLost, std::memory_order_relaxed);
    leg.rtcp.jitter.store(block.jitter, std::memory_order_relaxed);
    // NTP "middle 32 bits" of now, to turn LSR/DLSR into a round-trip time.
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ntpSeconds = static_cast<uint64_t>(ts.tv_sec) + 2208988800ULL;
    uint32_t fraction16 =
        static_cast<uint32_t>((static_cast<uint64_t>(ts.tv_nsec) << 16) / 1000000000ULL);
    uint32_t middle = static_cast<uint32_t>((ntpSeconds & 0xffff) << 16) | fraction16;
    leg.rtcp.roundTripMs.store(rtcpRoundTripMs(block.lastSr, block.delaySinceLastSr, middle),
                               std::memory_order_relaxed);
}

}  // namespace

RelayWorker::BatchClock RelayWorker::BatchClock::read() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return {static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000,
            std::chrono::steady_clock::now()};
}

RelayWorker::RelayWorker(RelayOptions options) : options_(options) {
    epollFd_ = epoll_create1(EPOLL_CLOEXEC);
    wakeFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epollFd_ < 0 || wakeFd_ < 0) {
        throw std::runtime_error("cannot create media worker event loop");
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;
    epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &ev);
    for (size_t i = 0; i < batchSize; ++i) {
        rxIov_[i] = {buffers_[i].data(), bufferSize};
    }
}

RelayWorker::~RelayWorker() {
    stop();
    ::close(wakeFd_);
    ::close(epollFd_);
}

void RelayWorker::start() {
    std::promise<void> ready;
    auto started = ready.get_future();
    thread_ = std::thread([this, &ready] { run(ready); });
    started.wait();
}

void RelayWorker::stop() {
    if (!thread_.joinable()) {
        return;
    }
    stopping_.store(true);
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wakeFd_, &one, sizeof one);
    thread_.join();
    applyMessages();  // anything queued while stopping
}

void RelayWorker::setRoutes(uint64_t callKey, std::vector<SocketRoute> routes) {
    Message message{callKey, std::move(routes), {}};
    auto done = message.done.get_future();
    {
        std::lock_guard lock(queueMutex_);
        queue_.push_back(std::move(message));
    }
    if (!thread_.joinable() || stopping_.load()) {
        applyMessages();  // no thread to hand it to
        return;
    }
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wakeFd_, &one, sizeof one);
    done.wait();
}

RelayTotals RelayWorker::totals() const {
    return {packets_.load(std::memory_order_relaxed), bytes_.load(std::memory_order_relaxed),
            errors_.load(std::memory_order_relaxed)};
}

void RelayWorker::applyMessages(UringRing* ring) {
    uint64_t drained;
    [[maybe_unused]] ssize_t r = ::read(wakeFd_, &drained, sizeof drained);
    std::deque<Message> messages;
    {
        std::lock_guard lock(queueMutex_);
        messages.swap(queue_);
    }
    if (ring && !messages.empty()) {
        // Requests still queued here may name routes about to be retired: hand them over.
        io_uring_submit(&ring->ring());
    }
    auto now = std::chrono::steady_clock::now();
    for (auto& m : messages) {
        std::vector<std::unique_ptr<ActiveRoute>> previous;
        if (auto it = calls_.find(m.callKey); it != calls_.end()) {
            previous = std::move(it->second);
            calls_.erase(it);
        }
        // Re-signalling un-kernelizes (rtpengine's rule); the next packets decide again.
        for (auto& p : previous) {
            unkernelize(*p);
        }
        if (ring) {
            // Once cancelled, nothing reads or sends on these sockets: signalling may close
            // them. Completions already queued find their route retired.
            for (auto& p : previous) {
                ring->cancelFd(p->route.fd);
            }
            for (auto& p : previous) {
                p->retired = true;
                if (p->inFlight > 0) {
                    retired_.push_back(std::move(p));
                }
            }
        }
        std::set<int> kept;
        std::vector<std::unique_ptr<ActiveRoute>> next;
        for (auto& route : m.routes) {
            auto active = std::make_unique<ActiveRoute>();
            active->route = std::move(route);
            active->callKey = m.callKey;
            SocketRoute& r = active->route;
            if (r.ingress) {
                // Signalling starts learning over (rtpengine unconfirms on re-signalling).
                EndpointLearner& learner =
                    r.rtcpSocket ? r.ingress->rtcpLearner : r.ingress->rtpLearner;
                learner.reset(r.learning, now);
                r.ingress->publish(r.rtcpSocket, learner);
                active->publishedGeneration = learner.generation();
            }
            if (ring) {
                armReceive(*ring, *active);
            } else {
                epoll_event ev{};
                ev.events = EPOLLIN;
                ev.data.ptr = active.get();
                bool existed = false;
                for (const auto& p : previous) {
                    existed = existed || (p && p->route.fd == r.fd);
                }
                epoll_ctl(epollFd_, existed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, r.fd, &ev);
            }
            kept.insert(r.fd);
            next.push_back(std::move(active));
        }
        for (const auto& p : previous) {
            if (!ring && !kept.count(p->route.fd)) {
                epoll_ctl(epollFd_, EPOLL_CTL_DEL, p->route.fd, nullptr);
            }
        }
        if (!next.empty()) {
            calls_.emplace(m.callKey, std::move(next));
        }
        m.done.set_value();
    }
}

void RelayWorker::run(std::promise<void>& ready) {
    // The ring belongs to this thread (single issuer): it is made and torn down here.
    std::unique_ptr<UringRing> ring;
    if (options_.ioUring) {
        std::string error;
        ring = UringRing::create(options_.ioUringBuffers, error);
        if (!ring) {
            fallbackReason_ = error;
        }
    }
    backend_ = ring ? RelayBackend::ioUring : RelayBackend::epoll;
    ready.set_value();
    if (ring) {
        runUring(*ring);
        ring.reset();  // cancels what is still armed before the routes go
        retired_.clear();
        // Sockets still routed go back to epoll for anything applied after the thread.
        for (auto& [key, routes] : calls_) {
            for (auto& active : routes) {
                active->inFlight = 0;
                epoll_event ev{};
                ev.events = EPOLLIN;
                ev.data.ptr = active.get();
                epoll_ctl(epollFd_, EPOLL_CTL_ADD, active->route.fd, &ev);
            }
        }
    } else {
        runEpoll();
    }
}

void RelayWorker::runEpoll() {
    std::array<epoll_event, 64> events;
    while (!stopping_.load(std::memory_order_relaxed)) {
        int n = epoll_wait(epollFd_, events.data(), static_cast<int>(events.size()), idleWaitMs);
        bool wake = false;
        BatchClock clock = BatchClock::read();
        for (int i = 0; i < n; ++i) {
            if (!events[i].data.ptr) {
                wake = true;
                continue;
            }
            receive(*static_cast<ActiveRoute*>(events[i].data.ptr), clock);
        }
        // Routes change only here, after the batch: no event above can point at a freed route.
        if (wake) {
            applyMessages();
        }
    }
}

void RelayWorker::runUring(UringRing& ring) {
    pendingSends_.assign(ring.buffers(), PendingSend{});
    sendsInFlight_ = 0;
    auto armWake = [&] {
        io_uring_sqe* sqe = ring.sqe();
        io_uring_prep_poll_multishot(sqe, wakeFd_, POLLIN);
        io_uring_sqe_set_data64(sqe, wakeTag);
    };
    armWake();
    // Routes applied before the thread started (through epoll) move to the ring.
    for (auto& [key, routes] : calls_) {
        for (auto& active : routes) {
            epoll_ctl(epollFd_, EPOLL_CTL_DEL, active->route.fd, nullptr);
            armReceive(ring, *active);
        }
    }
    io_uring& uring = ring.ring();
    while (!stopping_.load(std::memory_order_relaxed)) {
        // One system call: submit the sends of the last batch and wait for their completions
        // plus at least one new event.
        __kernel_timespec timeout{.tv_sec = idleWaitMs / 1000,
                                  .tv_nsec = (idleWaitMs % 1000) * 1'000'000};
        io_uring_cqe* first = nullptr;
        io_uring_submit_and_wait_timeout(&uring, &first, sendsInFlight_ + 1, &timeout, nullptr);
        BatchClock clock = BatchClock::read();
        bool wake = false;
        unsigned head;
        unsigned seen = 0;
        io_uring_cqe* cqe;
        io_uring_for_each_cqe(&uring, head, cqe) {
            ++seen;
            switch (cqe->user_data & tagMask) {
                case receiveTag:
                    onReceived(ring, *cqe, clock);
                    break;
                case sendTag:
                    onSent(ring, *cqe);
                    break;
                case wakeTag:
                    wake = true;
                    if (!(cqe->flags & IORING_CQE_F_MORE)) {
                        armWake();
                    }
                    break;
            }
        }
        io_uring_cq_advance(&uring, seen);
        ring.commitBuffers();
        if (wake) {
            applyMessages(&ring);
        }
    }
}

void RelayWorker::armReceive(UringRing& ring, ActiveRoute& active) {
    io_uring_sqe* sqe = ring.sqe();
    ring.prepareMultishotRecv(sqe, active.route.fd);
    io_uring_sqe_set_data64(sqe, reinterpret_cast<uint64_t>(&active) | receiveTag);
    ++active.inFlight;
}

void RelayWorker::release(ActiveRoute& active) {
    if (--active.inFlight > 0 || !active.retired) {
        return;
    }
    for (auto& r : retired_) {
        if (r.get() == &active) {
            r = std::move(retired_.back());
            retired_.pop_back();
            return;
        }
    }
}

void RelayWorker::onReceived(UringRing& ring, const io_uring_cqe& cqe, const BatchClock& clock) {
    auto& active = *reinterpret_cast<ActiveRoute*>(cqe.user_data & ~tagMask);
    bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
    bool hasBuffer = (cqe.flags & IORING_CQE_F_BUFFER) != 0;
    uint16_t bufferId = static_cast<uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
    bool forwarded = false;
    if (cqe.res > 0 && !active.retired) {
        active.receiveFailures = 0;
        Datagram datagram;
        Outgoing out;
        if (!ring.parse(cqe, datagram)) {
            bump<uint64_t>(errors_);
        } else if (relayPacket(active, datagram, clock, out)) {
            PendingSend& send = pendingSends_[bufferId];
            send.data = {const_cast<uint8_t*>(datagram.payload.data()), datagram.payload.size()};
            send.header = {};
            send.header.msg_name = &send.destination;
            send.header.msg_namelen = out.destination->toSockaddr(send.destination);
            send.header.msg_iov = &send.data;
            send.header.msg_iovlen = 1;
            send.route = &active;
            send.counters = out.counters;
            // Counted as relayed now: the loop waits for this send's completion together with
            // the next packets, so counting there would lag until traffic resumes. A failed
            // send is taken back then.
            countRelayed(*out.counters, datagram.payload.size());
            io_uring_sqe* sqe = ring.sqe();
            io_uring_prep_sendmsg(sqe, out.fd, &send.header, MSG_DONTWAIT);
            io_uring_sqe_set_data64(sqe, (static_cast<uint64_t>(bufferId) << 3) | sendTag);
            ++active.inFlight;
            ++sendsInFlight_;
            forwarded = true;
        }
    } else if (cqe.res < 0 && cqe.res != -ENOBUFS && cqe.res != -ECANCELED) {
        ++active.receiveFailures;
        bump<uint64_t>(errors_);
    }
    if (hasBuffer && !forwarded) {
        ring.recycle(bufferId);
    }
    if (!more) {
        // The multishot request ended: out of buffers (the packets wait in the socket until
        // buffers come back), cancelled, or an error.
        if (!active.retired && cqe.res != -ECANCELED &&
            active.receiveFailures < maxReceiveFailures) {
            armReceive(ring, active);
        }
        release(active);
    }
}

void RelayWorker::onSent(UringRing& ring, const io_uring_cqe& cqe) {
    auto bufferId = static_cast<uint16_t>(cqe.user_data >> 3);
    PendingSend& send = pendingSends_[bufferId];
    if (cqe.res < 0) {
        // Lost (full socket buffer, unreachable peer).
        uncountRelayed(*send.counters, send.data.iov_len);
        bump<uint64_t>(send.counters->errors);
        bump<uint64_t>(errors_);
    }
    --sendsInFlight_;
    ring.recycle(bufferId);
    release(*send.route);
}

void RelayWorker::countRelayed(StreamCounters& counters, size_t bytes) {
    bump<uint64_t>(counters.packets);
    bump<uint64_t>(counters.bytes, bytes);
    bump<uint64_t>(packets_);
    bump<uint64_t>(bytes_, bytes);
}

void RelayWorker::uncountRelayed(StreamCounters& counters, size_t bytes) {
    bump<uint64_t>(counters.packets, -uint64_t{1});
    bump<uint64_t>(counters.bytes, -uint64_t{bytes});
    bump<uint64_t>(packets_, -uint64_t{1});
    bump<uint64_t>(bytes_, -uint64_t{bytes});
}

void RelayWorker::flush(int fd, size_t first, size_t count) {
    size_t sent = 0;
    while (sent < count) {
        int n =
            ::sendmmsg(fd, &tx_[first + sent], static_cast<unsigned>(count - sent), MSG_DONTWAIT);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            // The remaining packets are lost (full socket buffer, unreachable peer).
            bump<uint64_t>(errors_, count - sent);
            for (size_t k = first + sent; k < first + count; ++k) {
                bump<uint64_t>(txCounters_[k]->errors);
            }
            return;
        }
        for (size_t k = first + sent; k < first + sent + static_cast<size_t>(n); ++k) {
            countRelayed(*txCounters_[k], txIov_[k].iov_len);
        }
        sent += static_cast<size_t>(n);
    }
}

std::optional<OffloadRequest> RelayWorker::offloadRequest(const ActiveRoute& active) const {
    const SocketRoute& r = active.route;
    if (!r.ingress || !r.egress) {
        return std::nullopt;
    }
    const EndpointLearner& in = r.rtcpSocket ? r.ingress->rtcpLearner : r.ingress->rtpLearner;
    if (!in.confirmed() && r.learning.mode != LearningMode::off) {
        return std::nullopt;  // the sender is not known yet
    }
    const LegRuntime& out = *r.egress;
    bool toRtpPort = !r.rtcpSocket || r.egressMux;
    const EndpointLearner& outLearner = toRtpPort ? out.rtpLearner : out.rtcpLearner;
    std::optional<net::Endpoint> destination = (outLearner.confirmed() && !r.egressAsymmetric)
                                                   ? outLearner.endpoint()
                                                   : (toRtpPort ? r.destRtp : r.destRtcp);
    int outFd = toRtpPort ? r.outRtpFd : r.outRtcpFd;
    if (!destination || outFd < 0) {
        return std::nullopt;
    }
    OffloadRequest request;
    request.local = r.local;
    if (r.learning.mode == LearningMode::off) {
        if (r.learning.strictSource) {
            request.expectedSource = r.learning.expected;
        }
    } else {
        request.expectedSource = in.endpoint();
    }
    request.dropOtherSources = !r.learning.mediaHandover;
    request.outSource = toRtpPort ? r.outRtpLocal : r.outRtcpLocal;
    request.outDestination = *destination;
    request.tos = r.tos;
    request.payloadTypes = r.kernelPayloadTypes;
    request.rtcpPort = r.rtcpSocket;
    request.forwardMuxedRtcp = !r.rtcpSocket && r.egressMux;
    return request;
}

void RelayWorker::kernelize(ActiveRoute& active, std::chrono::steady_clock::time_point now) {
    auto request = offloadRequest(active);
    if (!request) {
        return;  // not yet: a later packet tries again
    }
    if (request->local.address().family() != request->outDestination.address().family()) {
        active.kernelRefused = true;  // IPv4/IPv6 bridging stays in userspace
        return;
    }
    request->retry = active.kernelRetryAt != std::chrono::steady_clock::time_point{};
    auto outcome = offload_->install(*request);
    if (!outcome.slot) {
        // A full table frees up as calls end: such a stream is offered again now and then
        // (not per packet), so it does not stay in userspace for the rest of the call.
        active.kernelRefused = !outcome.retryLater;
        active.kernelRetryAt = now + kernelRetryInterval;
        return;
    }
    active.kernelRetryAt = {};
    active.kernelized = true;
    active.kernelSource = request->expectedSource;
    active.kernelDestination = request->outDestination;
    active.route.ingress->kernelSlot[active.route.rtcpSocket ? 1 : 0].store(
        *outcome.slot, std::memory_order_release);
}

void RelayWorker::unkernelize(ActiveRoute& active) {
    if (!active.kernelized || !offload_) {
        return;
    }
    LegRuntime& leg = *active.route.ingress;
    size_t index = active.route.rtcpSocket ? 1 : 0;
    int64_t slot = leg.kernelSlot[index].load(std::memory_order_acquire);
    // Keep what the entry counted: its slot is recycled once the entry is gone.
    if (slot >= 0) {
        if (auto c = offload_->counters(static_cast<uint32_t>(slot))) {
            auto& done = leg.kernelDone[index];
            done.packets.fetch_add(c->packets, std::memory_order_relaxed);
            done.bytes.fetch_add(c->bytes, std::memory_order_relaxed);
            done.errors.fetch_add(c->errors, std::memory_order_relaxed);
            if (c->lastPacketUs > done.lastPacketUs.load(std::memory_order_relaxed)) {
                done.lastPacketUs.store(c->lastPacketUs, std::memory_order_relaxed);
            }
        }
    }
    leg.kernelSlot[index].store(-1, std::memory_order_release);
    offload_->remove(active.route.local);
    active.kernelized = false;
    active.kernelSource.reset();
    active.kernelDestination.reset();
}

void RelayWorker::refreshKernelRoutes(uint64_t callKey, const LegRuntime* leg) {
    if (!offload_) {
        return;
    }
    auto it = calls_.find(callKey);
    if (it == calls_.end()) {
        return;
    }
    for (auto& active : it->second) {
        if (!active->kernelized ||
            (active->route.egress.get() != leg && active->route.ingress.get() != leg)) {
            continue;
        }
        auto request = offloadRequest(*active);
        if (request && request->expectedSource == active->kernelSource &&
            request->outDestination == active->kernelDestination) {
            continue;
        }
        unkernelize(*active);
        kernelize(*active, std::chrono::steady_clock::now());
    }
}

bool RelayWorker::relayPacket(ActiveRoute& active, const Datagram& datagram,
                              const BatchClock& clock, Outgoing& out) {
    SocketRoute& r = active.route;
    auto source = net::Endpoint::fromSockaddr(datagram.source, datagram.sourceLength);
    if (!source || !r.ingress) {
        return false;
    }
    LegRuntime& in = *r.ingress;
    std::span<const uint8_t> packet = datagram.payload;
    size_t length = packet.size();
    PacketClass kind = classify(packet);
    bool isRtcp = kind == PacketClass::rtcp;
    StreamCounters& inCounters = (isRtcp || r.rtcpSocket) ? in.rtcpIn : in.rtpIn;
    bool malformed = datagram.truncated ||
                     (kind != PacketClass::rtp && kind != PacketClass::rtcp) ||
                     (r.rtcpSocket && !isRtcp);
    std::optional<RtpHeaderView> rtp;
    RtcpSummary rtcp{};
    if (!malformed && isRtcp) {
        rtcp = parseRtcp(packet);
        malformed = !rtcp.valid;
    } else if (!malformed) {
        rtp = RtpHeaderView::parse(packet);
        malformed = !rtp;
    }
    if (malformed) {
        bump<uint64_t>(inCounters.errors);
        bump<uint64_t>(errors_);
        return false;
    }

    EndpointLearner& learner = r.rtcpSocket ? in.rtcpLearner : in.rtpLearner;
    auto verdict = learner.onPacket(*source, clock.now);
    if (learner.generation() != active.publishedGeneration) {
        in.publish(r.rtcpSocket, learner);
        active.publishedGeneration = learner.generation();
        refreshKernelRoutes(active.callKey, &in);
    }
    if (verdict == EndpointLearner::Verdict::drop) {
        bump<uint64_t>(in.foreignSourceDrops);
        bump<uint64_t>(inCounters.errors);
        bump<uint64_t>(errors_);
        return false;
    }
    countPacket(inCounters, length, clock.wallUs);
    if (rtp) {
        noteRtp(in, *rtp, length);
    } else {
        noteRtcp(in, rtcp);
    }
    if (r.blocked || !r.egress) {
        return false;
    }

    // Symmetric RTP: media for a party goes where it sends from, once confirmed.
    LegRuntime& egress = *r.egress;
    int fd = -1;
    const std::optional<net::Endpoint>* dest = nullptr;
    bool rtcpToRtpPort = isRtcp && r.egressMux;
    if (!isRtcp || rtcpToRtpPort) {
        fd = r.outRtpFd;
        dest = (egress.rtpLearner.confirmed() && !r.egressAsymmetric)
                   ? &egress.rtpLearner.endpoint()
                   : &r.destRtp;
    } else {
        fd = r.outRtcpFd;
        dest = (egress.rtcpLearner.confirmed() && !r.egressAsymmetric)
                   ? &egress.rtcpLearner.endpoint()
                   : &r.destRtcp;
    }
    if (fd < 0 || !dest->has_value()) {
        return false;  // the receiver has not signalled where it wants media yet
    }
    out.fd = fd;
    out.destination = &**dest;
    out.counters = isRtcp ? &egress.rtcpOut : &egress.rtpOut;
    if (offload_ && r.kernelCandidate && !active.kernelized && !active.kernelRefused &&
        clock.now >= active.kernelRetryAt) {
        kernelize(active, clock.now);
    }
    return true;
}

void RelayWorker::receive(ActiveRoute& active, const BatchClock& clock) {
    // A few batches per wake-up, then back to epoll so one busy socket cannot starve others.
    for (int round = 0; round < 4; ++round) {
        for (size_t i = 0; i < batchSize; ++i) {
            rx_[i].msg_hdr.msg_name = &rxNames_[i];
            rx_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
            rx_[i].msg_hdr.msg_iov = &rxIov_[i];
            rx_[i].msg_hdr.msg_iovlen = 1;
            rx_[i].msg_hdr.msg_control = nullptr;
            rx_[i].msg_hdr.msg_controllen = 0;
            rx_[i].msg_hdr.msg_flags = 0;
        }
        int n = ::recvmmsg(active.route.fd, rx_.data(), batchSize, MSG_DONTWAIT, nullptr);
        if (n <= 0) {
            return;
        }
        size_t staged = 0;
        for (int i = 0; i < n; ++i) {
            size_t length = std::min<size_t>(rx_[i].msg_len, bufferSize);
            Datagram datagram{{buffers_[i].data(), length},
                              reinterpret_cast<const sockaddr*>(&rxNames_[i]),
                              rx_[i].msg_hdr.msg_namelen,
                              (rx_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0};
            Outgoing out;
            if (!relayPacket(active, datagram, clock, out)) {
                continue;
            }
            txIov_[staged] = {buffers_[i].data(), length};
            tx_[staged].msg_hdr = {};
            tx_[staged].msg_hdr.msg_name = &txNames_[staged];
            tx_[staged].msg_hdr.msg_namelen = out.destination->toSockaddr(txNames_[staged]);
            tx_[staged].msg_hdr.msg_iov = &txIov_[staged];
            tx_[staged].msg_hdr.msg_iovlen = 1;
            txFd_[staged] = out.fd;
            txCounters_[staged] = out.counters;
            ++staged;
        }
        // Consecutive packets to the same socket go out in one sendmmsg.
        size_t first = 0;
        while (first < staged) {
            size_t last = first + 1;
            while (last < staged && txFd_[last] == txFd_[first]) {
                ++last;
            }
            flush(txFd_[first], first, last - first);
            first = last;
        }
        if (static_cast<size_t>(n) < batchSize) {
            return;
        }
    }
}

}  // namespace rtprelay::media
