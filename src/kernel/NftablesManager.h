#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kernel/NftablesContext.h"
#include "kernel/NftablesGeneration.h"
#include "kernel/NftablesResult.h"
#include "kernel/NftablesSettings.h"
#include "kernel/NftablesTable.h"

namespace rtprelay::kernel {

// The daemon's own nftables objects, per configured family, in table `filter`:
//  - set `rtprelay_ports_N` (inet_service): the media ports currently allocated;
//  - regular chain <chain> with `udp dport @rtprelay_ports_N counter accept` and a marker
//    rule commented "rtprelay UDP handler table N" (the marker is what makes an existing
//    chain ours);
//  - in <base> (created only when missing, never modified otherwise) a commented
//    `... udp counter jump <chain>` rule, at the head unless append.
// Nothing else is ever touched: not a table or base chain that existed before, not a base
// chain's policy, not other rules. A table or base chain we had to create carries the comment
// "created by rtprelay" and is deleted again at shutdown when it holds nothing else.
// Objects survive the process (a crash leaves them); setup() removes such leftovers first.
// Thread-safe; every call talks to the kernel under one mutex. Acts on the network namespace
// of the thread that constructed it.
class NftablesManager {
public:
    explicit NftablesManager(NftablesSettings settings);

    // Removes stale objects of ours, then creates them afresh and fills the set with the
    // ports currently added. A chain named <chain> that is not ours makes it fail without
    // changing anything. On failure nothing of ours is left behind.
    NftablesResult setup();
    // Deletes our objects, then the table and base chain we created if nothing else is left
    // in them. Safe to call when they do not exist.
    NftablesResult shutdown();
    // Success iff every family has our chain with our rules and the jump to it.
    NftablesResult status();
    // After a successful setup(): puts our objects back when someone removed them while the
    // daemon runs (`nft flush ruleset`, a firewall reload, --nftables-stop), and the ports in
    // use back into a set that lost them (--nftables-stop then --nftables-start). Says what it
    // restored (empty: nothing was missing), or why it could not. Looks at the ruleset only
    // when its generation moved since everything was last found in place, other than by our
    // own port updates: listing a set costs milliseconds per thousand ports.
    Result<std::string> repair();
    // How often repair() listed the ruleset.
    uint64_t inspections() const;

    // Pinholes: ports are reference-counted (the same port number may be allocated on several
    // local addresses); the set changes only on the first add and the last remove. Before
    // setup() (or after a failed one) only the counts change.
    NftablesResult addPorts(std::span<const uint16_t> ports);
    NftablesResult removePorts(std::span<const uint16_t> ports);
    NftablesResult addPort(uint16_t port) { return addPorts(std::span(&port, 1)); }
    NftablesResult removePort(uint16_t port) { return removePorts(std::span(&port, 1)); }

    // setup() found and removed objects of an earlier run (e.g. after a crash).
    bool staleRemoved() const;
    bool active() const;
    const NftablesSettings& settings() const { return settings_; }

private:
    struct Cleanup {
        std::string commands;
        bool keptChain = false;  // still referenced by jumps we must not delete: emptied only
        bool keptSet = false;    // still referenced by rules we must not delete: flushed only
    };

    // nullopt in `table` when the family has no table `filter`.
    NftablesResult inspect(const std::string& family, std::optional<NftablesTable>& table);
    bool chainIsOurs(const NftablesTable& table) const;
    Cleanup planCleanup(const std::string& family, const NftablesTable& table) const;
    std::string setupCommands(const std::string& family, const std::optional<NftablesTable>& table,
                              const Cleanup& cleanup) const;
    std::string elementCommands(const char* verb, const std::vector<uint16_t>& ports) const;
    std::string where(const std::string& family) const;
    NftablesResult shutdownLocked();
    // Deletes the table and base chains that carry our "created" comment once nothing but
    // our objects was in them.
    NftablesResult removeCreatedIfEmpty(const std::string& family);
    NftablesResult removeOneByOne(const std::vector<uint16_t>& ports);
    // Elements of our set in `family`, or nothing when it cannot be listed.
    std::optional<size_t> setSize(const std::string& family);
    // Runs our own element update and keeps verifiedGeneration_ in step with it.
    NftablesContext::Output runOwnElements(const std::string& commands);

    const NftablesSettings settings_;
    mutable std::mutex mutex_;
    NftablesContext nft_;
    NftablesGeneration generation_;
    std::vector<uint32_t> refs_;  // per port number
    bool active_ = false;
    bool staleRemoved_ = false;
    // The ruleset generation at which repair() last found everything in place, moved along
    // by our own port updates; nothing when unknown.
    std::optional<uint32_t> verifiedGeneration_;
    uint64_t inspections_ = 0;
};

}  // namespace rtprelay::kernel
