#include "media/RelayWorker.h"

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

namespace rtprelay::media {

namespace {

int64_t wallClockUs() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

void countPacket(StreamCounters& c, size_t bytes, int64_t nowUs) {
    c.packets.fetch_add(1, std::memory_order_relaxed);
    c.bytes.fetch_add(bytes, std::memory_order_relaxed);
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
        slot->packets.fetch_add(1, std::memory_order_relaxed);
        slot->bytes.fetch_add(bytes, std::memory_order_relaxed);
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
    leg.rtcp.reports.fetch_add(1, std::memory_order_relaxed);
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

RelayWorker::RelayWorker() {
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
    thread_ = std::thread([this] { run(); });
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

void RelayWorker::applyMessages() {
    uint64_t drained;
    [[maybe_unused]] ssize_t r = ::read(wakeFd_, &drained, sizeof drained);
    std::deque<Message> messages;
    {
        std::lock_guard lock(queueMutex_);
        messages.swap(queue_);
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
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.ptr = active.get();
            bool existed = false;
            for (const auto& p : previous) {
                existed = existed || p->route.fd == r.fd;
            }
            epoll_ctl(epollFd_, existed ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, r.fd, &ev);
            kept.insert(r.fd);
            next.push_back(std::move(active));
        }
        for (const auto& p : previous) {
            if (!kept.count(p->route.fd)) {
                epoll_ctl(epollFd_, EPOLL_CTL_DEL, p->route.fd, nullptr);
            }
        }
        if (!next.empty()) {
            calls_.emplace(m.callKey, std::move(next));
        }
        m.done.set_value();
    }
}

void RelayWorker::run() {
    std::array<epoll_event, 64> events;
    while (!stopping_.load(std::memory_order_relaxed)) {
        int n = epoll_wait(epollFd_, events.data(), static_cast<int>(events.size()), 500);
        bool wake = false;
        for (int i = 0; i < n; ++i) {
            if (!events[i].data.ptr) {
                wake = true;
                continue;
            }
            receive(*static_cast<ActiveRoute*>(events[i].data.ptr));
        }
        // Routes change only here, after the batch: no event above can point at a freed route.
        if (wake) {
            applyMessages();
        }
    }
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
            errors_.fetch_add(count - sent, std::memory_order_relaxed);
            for (size_t k = first + sent; k < first + count; ++k) {
                txCounters_[k]->errors.fetch_add(1, std::memory_order_relaxed);
            }
            return;
        }
        for (size_t k = first + sent; k < first + sent + static_cast<size_t>(n); ++k) {
            txCounters_[k]->packets.fetch_add(1, std::memory_order_relaxed);
            txCounters_[k]->bytes.fetch_add(txIov_[k].iov_len, std::memory_order_relaxed);
            packets_.fetch_add(1, std::memory_order_relaxed);
            bytes_.fetch_add(txIov_[k].iov_len, std::memory_order_relaxed);
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

void RelayWorker::kernelize(ActiveRoute& active) {
    auto request = offloadRequest(active);
    if (!request) {
        return;  // not yet: a later packet tries again
    }
    if (request->local.address().family() != request->outDestination.address().family()) {
        active.kernelRefused = true;  // IPv4/IPv6 bridging stays in userspace
        return;
    }
    auto slot = offload_->install(*request);
    if (!slot) {
        active.kernelRefused = true;
        return;
    }
    active.kernelized = true;
    active.kernelSource = request->expectedSource;
    active.kernelDestination = request->outDestination;
    active.route.ingress->kernelSlot[active.route.rtcpSocket ? 1 : 0].store(
        *slot, std::memory_order_release);
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
        kernelize(*active);
    }
}

void RelayWorker::receive(ActiveRoute& active) {
    SocketRoute& r = active.route;
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
        int n = ::recvmmsg(r.fd, rx_.data(), batchSize, MSG_DONTWAIT, nullptr);
        if (n <= 0) {
            return;
        }
        int64_t nowUs = wallClockUs();
        auto now = std::chrono::steady_clock::now();
        size_t staged = 0;
        for (int i = 0; i < n; ++i) {
            size_t length = rx_[i].msg_len;
            auto source = net::Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&rxNames_[i]),
                                                      rx_[i].msg_hdr.msg_namelen);
            if (!source || !r.ingress) {
                continue;
            }
            LegRuntime& in = *r.ingress;
            std::span<const uint8_t> packet(buffers_[i].data(), std::min(length, bufferSize));
            PacketClass kind = classify(packet);
            bool isRtcp = kind == PacketClass::rtcp;
            StreamCounters& inCounters = (isRtcp || r.rtcpSocket) ? in.rtcpIn : in.rtpIn;
            bool malformed = (rx_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 ||
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
                inCounters.errors.fetch_add(1, std::memory_order_relaxed);
                errors_.fetch_add(1, std::memory_order_relaxed);
                continue;
            }

            EndpointLearner& learner = r.rtcpSocket ? in.rtcpLearner : in.rtpLearner;
            auto verdict = learner.onPacket(*source, now);
            if (learner.generation() != active.publishedGeneration) {
                in.publish(r.rtcpSocket, learner);
                active.publishedGeneration = learner.generation();
                refreshKernelRoutes(active.callKey, &in);
            }
            if (verdict == EndpointLearner::Verdict::drop) {
                in.foreignSourceDrops.fetch_add(1, std::memory_order_relaxed);
                inCounters.errors.fetch_add(1, std::memory_order_relaxed);
                errors_.fetch_add(1, std::memory_order_relaxed);
                continue;
            }
            countPacket(inCounters, length, nowUs);
            if (rtp) {
                noteRtp(in, *rtp, length);
            } else {
                noteRtcp(in, rtcp);
            }
            if (r.blocked || !r.egress) {
                continue;
            }

            // Symmetric RTP: media for a party goes where it sends from, once confirmed.
            LegRuntime& out = *r.egress;
            int fd = -1;
            const std::optional<net::Endpoint>* dest = nullptr;
            bool rtcpToRtpPort = isRtcp && r.egressMux;
            if (!isRtcp || rtcpToRtpPort) {
                fd = r.outRtpFd;
                dest = (out.rtpLearner.confirmed() && !r.egressAsymmetric)
                           ? &out.rtpLearner.endpoint()
                           : &r.destRtp;
            } else {
                fd = r.outRtcpFd;
                dest = (out.rtcpLearner.confirmed() && !r.egressAsymmetric)
                           ? &out.rtcpLearner.endpoint()
                           : &r.destRtcp;
            }
            if (fd < 0 || !dest->has_value()) {
                continue;  // the receiver has not signalled where it wants media yet
            }
            txIov_[staged] = {buffers_[i].data(), length};
            socklen_t nameLength = (*dest)->toSockaddr(txNames_[staged]);
            tx_[staged].msg_hdr = {};
            tx_[staged].msg_hdr.msg_name = &txNames_[staged];
            tx_[staged].msg_hdr.msg_namelen = nameLength;
            tx_[staged].msg_hdr.msg_iov = &txIov_[staged];
            tx_[staged].msg_hdr.msg_iovlen = 1;
            txFd_[staged] = fd;
            txCounters_[staged] = isRtcp ? &out.rtcpOut : &out.rtpOut;
            ++staged;
            if (offload_ && r.kernelCandidate && !active.kernelized && !active.kernelRefused) {
                kernelize(active);
            }
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
