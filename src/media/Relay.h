#pragma once

#include <memory>
#include <string>
#include <vector>

#include "media/RelayWorker.h"

namespace rtprelay::media {

// The userspace media relay: `num-threads` workers, each relaying a share of the calls.
// All sockets of one call belong to one worker, so the learned endpoints that one direction
// sets and the other reads stay inside one thread.
class Relay {
public:
    explicit Relay(unsigned threads, RelayOptions options = {});
    ~Relay();

    // The kernel fast path; set before start(). Null: everything stays in userspace.
    void setKernelOffload(KernelOffload* offload);
    KernelOffload* kernelOffload() const { return offload_; }
    void start();
    void stop();

    unsigned threads() const { return static_cast<unsigned>(workers_.size()); }
    // After start(): the backend every worker runs (io_uring unless one had to fall back)
    // and the first fallback's reason.
    RelayBackend backend() const;
    std::string fallbackReason() const;
    void setRoutes(uint64_t callKey, std::vector<SocketRoute> routes);
    void removeCall(uint64_t callKey) { setRoutes(callKey, {}); }
    RelayTotals totals() const;

private:
    std::vector<std::unique_ptr<RelayWorker>> workers_;
    KernelOffload* offload_ = nullptr;
};

}  // namespace rtprelay::media
