#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/Config.h"
#include "control/Bencode.h"
#include "kernel/BpfForwarder.h"
#include "kernel/NftablesManager.h"
#include "kernel/PeerRedirects.h"
#include "log/LogThrottle.h"
#include "media/KernelOffload.h"

namespace rtprelay::kernel {

// The daemon's kernel path for `table = N`: the eBPF forwarder the relay offloads confirmed
// streams to, and the nftables objects that open the media ports in use. Either part may be
// unavailable; the daemon then relays in userspace and says so (rtpengine's fallback).
//
// Entries outlive the daemon on purpose (hitless restart): at start, entries a previous
// daemon left are adopted as orphans. Each is removed when a new call binds its port, or
// when it has forwarded nothing for `timeout` seconds.
class KernelPath final : public media::KernelOffload, public media::PortObserver {
public:
    // Sets up what it can; `problems` gets one line per part that could not start.
    KernelPath(const config::Config& config, std::vector<std::string>& problems);
    // Removes the nftables objects; the eBPF program and its entries stay (see above).
    ~KernelPath() override;

    bool forwarding() const { return forwarder_ != nullptr; }
    bool firewalling() const { return nftables_ != nullptr; }
    // From now on remove() keeps entries: calls ending because the daemon stops keep their
    // media flowing in the kernel until a new daemon takes over.
    void keepEntriesOnExit();
    // Drops orphaned entries idle for `timeoutSeconds` (run from the daemon's timer).
    void sweepOrphans(int timeoutSeconds);
    // Every kernel-neighbour-interval seconds (called every second from the daemon's timer):
    // peer-mode entries follow MAC changes of their next hop (PeerRedirects::check).
    void checkNeighbours();
    // Every few seconds (run from the daemon's timer): puts back nftables objects and ports
    // someone removed while the daemon runs (a firewall reload, `nft flush ruleset`).
    void checkFirewall();
    // The operator's view: program, devices, entries, orphans, nftables.
    control::bencode::Value status() const;
    // The table itself (CLI `list kernel`, metrics): every entry with its counters, and what
    // the program did with the packets it saw. Empty without eBPF forwarding.
    struct TableView {
        struct Entry {
            ForwardingRule rule;
            ForwardingStats stats;
            bool adopted = false;  // left by a previous daemon
        };
        std::vector<Entry> entries;
        std::optional<VerdictCounts> verdicts;
        uint32_t capacity = 0;      // kernel-table-size in force
        uint32_t tableSize = 0;     // entries the table in use holds (grows to capacity)
        uint64_t fullRefusals = 0;  // streams left in userspace because the table was full
        std::string error;          // why the table could not be read, if it could not
    };
    TableView tableView() const;

    // media::KernelOffload
    media::OffloadOutcome install(const media::OffloadRequest& request) override;
    void remove(const net::Endpoint& local) override;
    std::optional<media::KernelCounters> counters(uint32_t slot) const override;
    // What the table forwarded and dropped since this daemon started (entries adopted from a
    // previous one included), without walking the calls: for per-second rates.
    media::KernelCounters trafficTotals() const;

    // media::PortObserver
    void portsOpened(const net::IpAddress& address, uint16_t rtp, uint16_t rtcp) override;
    void portsClosed(const net::IpAddress& address, uint16_t rtp, uint16_t rtcp) override;

private:
    void startForwarder(const config::Config& config, std::vector<std::string>& problems);
    void startNftables(const config::Config& config, std::vector<std::string>& problems);
    void releaseOrphan(const net::Endpoint& local);
    void reportFullTable(const net::Endpoint& local);

    static constexpr int64_t kFullReportIntervalSeconds = 60;

    std::unique_ptr<BpfForwarder> forwarder_;
    std::unique_ptr<NftablesManager> nftables_;
    std::vector<int> devices_;
    PeerRedirects peers_;
    const std::chrono::seconds neighbourInterval_;
    std::chrono::steady_clock::time_point nextNeighbourCheck_{};
    static constexpr std::chrono::seconds kFirewallCheckInterval{5};
    static bool dueNow(std::chrono::steady_clock::time_point& next, std::chrono::seconds interval);
    std::chrono::steady_clock::time_point nextFirewallCheck_{};
    log::LogThrottle firewallFailureLog_{std::chrono::minutes(1)};
    mutable std::mutex mutex_;
    std::set<std::pair<std::array<uint8_t, 16>, uint16_t>> orphans_;
    bool keepEntries_ = false;
    log::LogThrottle fullTableLog_{std::chrono::seconds(kFullReportIntervalSeconds)};
};

}  // namespace rtprelay::kernel
