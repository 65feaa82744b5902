#include "media/Relay.h"

namespace rtprelay::media {

Relay::Relay(unsigned threads, RelayOptions options) {
    for (unsigned i = 0; i < (threads == 0 ? 1 : threads); ++i) {
        workers_.push_back(std::make_unique<RelayWorker>(options));
    }
}

RelayBackend Relay::backend() const {
    for (const auto& w : workers_) {
        if (w->backend() == RelayBackend::epoll) {
            return RelayBackend::epoll;
        }
    }
    return RelayBackend::ioUring;
}

std::string Relay::fallbackReason() const {
    for (const auto& w : workers_) {
        if (!w->fallbackReason().empty()) {
            return w->fallbackReason();
        }
    }
    return {};
}

Relay::~Relay() {
    stop();
}

void Relay::setKernelOffload(KernelOffload* offload) {
    offload_ = offload;
    for (auto& w : workers_) {
        w->setKernelOffload(offload);
    }
}

void Relay::start() {
    for (auto& w : workers_) {
        w->start();
    }
}

void Relay::stop() {
    for (auto& w : workers_) {
        w->stop();
    }
}

void Relay::setRoutes(uint64_t callKey, std::vector<SocketRoute> routes) {
    workers_[callKey % workers_.size()]->setRoutes(callKey, std::move(routes));
}

RelayTotals Relay::totals() const {
    RelayTotals sum;
    for (const auto& w : workers_) {
        auto t = w->totals();
        sum.packets += t.packets;
        sum.bytes += t.bytes;
        sum.errors += t.errors;
    }
    return sum;
}

}  // namespace rtprelay::media
