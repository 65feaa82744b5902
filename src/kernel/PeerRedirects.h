#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/IpAddress.h"
#include "kernel/BpfForwarder.h"
#include "kernel/ForwardingRule.h"
#include "kernel/LinkLookup.h"
#include "kernel/NeighbourTable.h"
#include "kernel/NetlinkWatch.h"
#include "log/LogThrottle.h"

namespace rtprelay::kernel {

// Peer delivery for the kernel entries whose output device is a veth into another network
// namespace: the program then writes the MACs itself and hands the frame to the veth's peer
// (bpf_redirect_peer), so the kernel's neighbour entry no longer follows our traffic and its
// MAC has to be copied into the entry. prepare() decides the mode of a new entry; check(),
// run every few seconds, reads the neighbour table once and rewrites entries whose next hop
// changed its MAC, moves those whose neighbour is gone or failed back to bpf_redirect_neigh
// (which resolves it again) and upgrades neigh-mode veth entries once their neighbour is
// known. It looks only when the kernel announced a link, neighbour or route change since the
// last check (NetlinkWatch), after adopt(), and every kFullCheckEvery-th check regardless:
// the dumps and the walk over every entry were most of what an idle daemon did. When the routing
// tables changed since the last check (RouteTableDigest), it first looks each entry's route up
// again: a new gateway on the same device becomes the next hop whose MAC the entry carries; a route
// through another device sends the entry back to neigh mode. Entries on other devices are never
// tracked. Thread-safe.
class PeerRedirects {
public:
    // `enabled` false (kernel-redirect-peer = false): every entry in neigh mode, and adopted
    // peer-mode entries are moved back at the first check.
    explicit PeerRedirects(bool enabled) : enabled_(enabled) {}

    bool enabled() const { return enabled_; }

    // For a rule about to be installed whose route leaves through rule.outIfindex towards
    // `nextHop` (the gateway or the destination): sets rule.peer when peer delivery is
    // possible, and remembers veth entries for check(). Returns why the rule stays in neigh
    // mode, nothing for peer mode. Never fails the rule: any doubt means neigh mode.
    std::optional<std::string> prepare(ForwardingRule& rule, const net::IpAddress& nextHop);
    // A peer-mode entry a previous daemon left: checked from now on like our own.
    void adopt(const ForwardingRule& rule, const net::IpAddress& nextHop);
    // The entry for `local` is gone.
    void forget(const net::Endpoint& local);

    struct CheckResult {
        size_t tracked = 0;
        size_t rewritten = 0;  // peer mode with another MAC
        size_t toNeigh = 0;    // peer -> neigh (neighbour gone, failed, device changed)
        size_t toPeer = 0;     // neigh -> peer (neighbour known now)
        size_t rerouted = 0;   // next hop changed with the routes
        bool skipped = false;  // nothing changed since the last look: nothing looked at
        std::string error;     // the neighbour table or an entry could not be read/written
    };
    // One neighbour dump for all tracked entries, one link query per device seen.
    CheckResult check(BpfForwarder& forwarder);
    size_t tracked() const;

private:
    using Key = std::pair<std::array<uint8_t, 16>, uint16_t>;
    struct Tracked {
        net::Endpoint local;
        net::IpAddress source;  // the relay's address on the output leg (for route lookups)
        int ifindex = 0;
        net::Endpoint destination;
        net::IpAddress nextHop;
        std::optional<PeerRedirect> current;  // what the kernel entry has
        bool routedElsewhere = false;         // the route now leaves through another device
    };

    static Key keyOf(const net::Endpoint& e) { return {e.address().bytes(), e.port()}; }
    // Peer delivery for `link` towards `neighbour`, or nothing with the reason in `why`.
    std::optional<PeerRedirect> decide(const Result<LinkLookup::Link>& link,
                                       const std::optional<NeighbourTable::Entry>& neighbour,
                                       const net::IpAddress& nextHop, std::string& why) const;
    // Whether `link` is a device whose entries can ever be in peer mode, else why not.
    static std::optional<std::string> unsuitable(const Result<LinkLookup::Link>& link);
    Result<LinkLookup::Link> link(int ifindex);
    // After the routing tables changed: each entry's route again (next hop, device).
    void reroute(std::vector<Tracked>& entries, CheckResult& result);
    void report(const CheckResult& result, const std::string& example);

    static constexpr unsigned kFullCheckEvery = 12;

    const bool enabled_;
    // Created with the object, before any prepare(): a neighbour resolved after prepare()
    // found none is announced here.
    NetlinkWatch watch_;
    unsigned quietChecks_ = 0;  // check() only
    mutable std::mutex mutex_;
    bool adopted_ = false;  // adopt() since the last look
    std::map<Key, Tracked> tracked_;
    // Devices seen by prepare(), refreshed by check(): a link query per new stream would
    // double the netlink work of a kernelization.
    std::map<int, Result<LinkLookup::Link>> links_;
    // The routing tables' digest at the last check with entries; only check() (one thread)
    // uses it.
    std::optional<uint64_t> routes_;
    log::LogThrottle changeLog_{std::chrono::seconds(10)};
    log::LogThrottle errorLog_{std::chrono::seconds(60)};
};

}  // namespace rtprelay::kernel
