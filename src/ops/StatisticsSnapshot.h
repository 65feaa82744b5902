#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "call/SignallingEngine.h"
#include "kernel/VerdictCounts.h"

namespace rtprelay::ops {

// Per-second media rates, from the last two samples of the daemon's one-second timer.
struct TrafficRates {
    uint64_t packetsUser = 0;
    uint64_t bytesUser = 0;
    uint64_t errorsUser = 0;
    uint64_t packetsKernel = 0;
    uint64_t bytesKernel = 0;
    uint64_t errorsKernel = 0;
};

// One consistent reading of everything the operator interfaces show: CLI `list totals`,
// `list counters`, `list interfaces` and the Prometheus page are all rendered from it.
struct StatisticsSnapshot {
    int64_t uptimeSeconds = 0;
    call::SignallingEngine::SessionCounts sessions;
    call::SignallingEngine::MediaTotals media;
    TrafficRates rates;

    struct PortUsage {
        std::string interface;
        std::string address;
        int portMin = 0;
        int portMax = 0;
        uint64_t used = 0;
        uint64_t free = 0;
        uint64_t total = 0;
    };
    std::vector<PortUsage> ports;

    // ng requests per client ("proxy") and command (rtpengine's short label: "ping",
    // "offer", "blockmedia").
    struct Requests {
        std::string proxy;
        std::string request;
        uint64_t count = 0;
        double seconds = 0;
    };
    std::vector<Requests> requests;
    std::vector<std::pair<std::string, uint64_t>> errorsByProxy;
    uint64_t totalRequests = 0;
    uint64_t totalErrors = 0;
    // ng input dropped before a command could be read: no cookie, oversized, TCP framing,
    // TCP overflow.
    std::array<uint64_t, 4> ngDrops{};
    // Requests and connections refused by source address, by listener (ng UDP, ng TCP, CLI,
    // HTTP), and HTTP requests refused for a missing or wrong `http-secret`.
    std::array<uint64_t, 4> controlDenied{};
    uint64_t httpUnauthorized = 0;

    // Kernel path (`table` >= 0).
    int table = -1;
    bool ebpfAttached = false;
    bool nftablesManaged = false;
    uint64_t kernelEntries = 0;
    uint64_t adoptedEntries = 0;
    uint64_t peerEntries = 0;         // delivered to a veth peer (bpf_redirect_peer)
    uint64_t kernelCapacity = 0;      // kernel-table-size in force
    uint64_t kernelTableSize = 0;     // entries the table in use holds (grows to the capacity)
    uint64_t kernelFullRefusals = 0;  // streams left in userspace by a full table
    std::optional<kernel::VerdictCounts> verdicts;
};

}  // namespace rtprelay::ops
