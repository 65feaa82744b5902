#include "kernel/PeerRedirects.h"

#include <set>
#include <utility>
#include <vector>

#include "kernel/RouteLookup.h"
#include "kernel/RouteTableDigest.h"
#include "log/Log.h"

namespace rtprelay::kernel {

using log::Subsystem;

std::optional<std::string> PeerRedirects::unsuitable(const Result<LinkLookup::Link>& link) {
    if (!link) {
        return link.error();
    }
    if (!link->veth) {
        return std::string("output device is not a veth");
    }
    // bpf_redirect_peer drops packets for a peer in the namespace they are in.
    if (!link->peerElsewhere) {
        return std::string("the veth's peer is in this network namespace");
    }
    if (!link->hasMac) {
        return std::string("output device has no MAC address");
    }
    return std::nullopt;
}

std::optional<PeerRedirect> PeerRedirects::decide(
    const Result<LinkLookup::Link>& link, const std::optional<NeighbourTable::Entry>& neighbour,
    const net::IpAddress& nextHop, std::string& why) const {
    if (auto reason = unsuitable(link)) {
        why = *reason;
        return std::nullopt;
    }
    if (!enabled_) {
        why = "kernel-redirect-peer is off";
        return std::nullopt;
    }
    if (!neighbour) {
        why = "no neighbour entry for " + nextHop.toString();
        return std::nullopt;
    }
    if (!neighbour->usable()) {
        why = "neighbour " + nextHop.toString() + " is " + neighbour->stateText();
        return std::nullopt;
    }
    return PeerRedirect{neighbour->mac, link->mac};
}

Result<LinkLookup::Link> PeerRedirects::link(int ifindex) {
    {
        std::lock_guard lock(mutex_);
        if (auto found = links_.find(ifindex); found != links_.end()) {
            return found->second;
        }
    }
    auto fresh = LinkLookup::find(ifindex);
    std::lock_guard lock(mutex_);
    links_.insert_or_assign(ifindex, fresh);
    return fresh;
}

std::optional<std::string> PeerRedirects::prepare(ForwardingRule& rule,
                                                  const net::IpAddress& nextHop) {
    rule.peer.reset();
    auto device = link(rule.outIfindex);
    if (auto reason = unsuitable(device)) {
        return reason;
    }
    Tracked entry{rule.local,      rule.outSource.address(),
                  rule.outIfindex, rule.outDestination,
                  nextHop,         std::nullopt};
    std::string why;
    if (enabled_) {
        auto neighbour = NeighbourTable::find(rule.outIfindex, nextHop);
        if (!neighbour) {
            why = neighbour.error();
        } else {
            entry.current = decide(device, *neighbour, nextHop, why);
        }
    } else {
        why = "kernel-redirect-peer is off";
    }
    rule.peer = entry.current;
    if (enabled_) {
        // Neigh mode for now: check() upgrades it once the neighbour is known.
        std::lock_guard lock(mutex_);
        tracked_.insert_or_assign(keyOf(rule.local), std::move(entry));
    }
    if (rule.peer) {
        return std::nullopt;
    }
    return why;
}

void PeerRedirects::adopt(const ForwardingRule& rule, const net::IpAddress& nextHop) {
    std::lock_guard lock(mutex_);
    adopted_ = true;
    tracked_.insert_or_assign(keyOf(rule.local),
                              Tracked{rule.local, rule.outSource.address(), rule.outIfindex,
                                      rule.outDestination, nextHop, rule.peer});
}

void PeerRedirects::forget(const net::Endpoint& local) {
    std::lock_guard lock(mutex_);
    tracked_.erase(keyOf(local));
}

size_t PeerRedirects::tracked() const {
    std::lock_guard lock(mutex_);
    return tracked_.size();
}

PeerRedirects::CheckResult PeerRedirects::check(BpfForwarder& forwarder) {
    CheckResult result;
    bool look = watch_.changed();  // drained either way
    {
        std::lock_guard lock(mutex_);
        look = look || std::exchange(adopted_, false);
        if (!look && ++quietChecks_ < kFullCheckEvery) {
            result.tracked = tracked_.size();
            result.skipped = true;
            return result;
        }
    }
    quietChecks_ = 0;
    std::vector<Tracked> entries;
    std::set<int> devices;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [key, entry] : tracked_) {
            entries.push_back(entry);
            devices.insert(entry.ifindex);
        }
        // Untracked devices too: one whose veth peer moved to another namespace, or whose
        // lookup failed, may take peer-mode entries from now on.
        for (const auto& [ifindex, device] : links_) {
            devices.insert(ifindex);
        }
    }
    result.tracked = entries.size();
    // A device's MAC or its peer's namespace can change as well.
    std::map<int, Result<LinkLookup::Link>> fresh;
    for (int ifindex : devices) {
        fresh.insert_or_assign(ifindex, LinkLookup::find(ifindex));
    }
    {
        std::lock_guard lock(mutex_);
        for (const auto& [ifindex, device] : fresh) {
            links_.insert_or_assign(ifindex, device);
        }
    }
    if (entries.empty()) {
        // Nothing to re-route, so no route dump (a full routing table can be large); the next
        // check with entries takes a fresh baseline.
        routes_.reset();
        return result;
    }
    if (auto digest = RouteTableDigest::read(); !digest) {
        result.error = digest.error();
    } else {
        // Without a baseline the entries may predate a change: their routes are looked up once.
        bool changed = !routes_ || *routes_ != *digest;
        routes_ = *digest;
        if (changed) {
            reroute(entries, result);
        }
    }
    auto neighbours = NeighbourTable::dump();
    if (!neighbours) {
        // Unknown is not gone: the entries keep their mode until the next check.
        result.error = neighbours.error();
        report(result, "");
        return result;
    }
    std::map<std::pair<int, std::array<uint8_t, 16>>, NeighbourTable::Entry> byAddress;
    for (const auto& n : *neighbours) {
        byAddress.insert_or_assign({n.ifindex, n.address.bytes()}, n);
    }

    std::string example;
    for (const auto& entry : entries) {
        std::optional<NeighbourTable::Entry> neighbour;
        if (auto n = byAddress.find({entry.ifindex, entry.nextHop.bytes()});
            n != byAddress.end() && n->second.address == entry.nextHop) {
            neighbour = n->second;
        }
        std::string why;
        auto desired = decide(fresh.at(entry.ifindex), neighbour, entry.nextHop, why);
        if (entry.routedElsewhere) {
            desired.reset();
            why = "its route no longer leaves through this device";
        }
        if (desired == entry.current) {
            continue;
        }
        auto written = forwarder.setPeerRedirect(
            entry.local, {entry.ifindex, entry.destination, entry.current, desired});
        if (!written) {
            result.error = written.error();
            continue;
        }
        // Not as we saw it: what the kernel has now, if it is still this stream's entry.
        std::optional<ForwardingRule> now;
        if (!*written) {
            if (auto found = forwarder.find(entry.local);
                found && *found && (*found)->outIfindex == entry.ifindex &&
                (*found)->outDestination == entry.destination) {
                now = **found;
            }
        }
        std::lock_guard lock(mutex_);
        auto it = tracked_.find(keyOf(entry.local));
        bool same = it != tracked_.end() && it->second.ifindex == entry.ifindex &&
                    it->second.destination == entry.destination &&
                    it->second.current == entry.current;
        if (!same) {
            continue;  // prepare() or forget() came in between: theirs is newer
        }
        if (!*written) {
            if (now) {
                it->second.current = now->peer;  // the next check starts from the truth
            } else {
                tracked_.erase(it);  // gone, or another stream's entry now
            }
            continue;
        }
        it->second.current = desired;
        if (desired && entry.current) {
            ++result.rewritten;
        } else if (desired) {
            ++result.toPeer;
        } else {
            ++result.toNeigh;
        }
        if (example.empty()) {
            example = entry.local.toString() + ": " +
                      (desired ? "redirect peer, next hop " + entry.nextHop.toString() + " at " +
                                     macText(desired->destination)
                               : "redirect neigh, " + why);
        }
    }
    report(result, example);
    return result;
}

void PeerRedirects::reroute(std::vector<Tracked>& entries, CheckResult& result) {
    // An entry whose route now leaves through another device cannot follow in peer mode (nor
    // in neigh mode, whose device is fixed): neigh mode, until the stream is re-kernelized.
    for (auto& entry : entries) {
        auto route = RouteLookup::route(entry.source, entry.destination.address());
        bool elsewhere = !route || route->ifindex != entry.ifindex;
        net::IpAddress nextHop = elsewhere ? entry.nextHop : route->nextHop;
        if (elsewhere == entry.routedElsewhere && nextHop == entry.nextHop) {
            continue;
        }
        entry.routedElsewhere = elsewhere;
        entry.nextHop = nextHop;
        ++result.rerouted;
        std::lock_guard lock(mutex_);
        if (auto it = tracked_.find(keyOf(entry.local));
            it != tracked_.end() && it->second.ifindex == entry.ifindex &&
            it->second.destination == entry.destination) {
            it->second.nextHop = nextHop;
            it->second.routedElsewhere = elsewhere;
        }
    }
}

void PeerRedirects::report(const CheckResult& result, const std::string& example) {
    uint64_t heldBack = 0;
    if (!result.error.empty() && errorLog_.admit(heldBack)) {
        log::warning(Subsystem::kernel,
                     "Checking the neighbours of peer-mode kernel entries failed: {} ({} more "
                     "failures since the last report)",
                     result.error, heldBack);
    }
    if (result.rewritten + result.toNeigh + result.toPeer == 0) {
        return;
    }
    if (changeLog_.admit(heldBack)) {
        log::info(Subsystem::kernel,
                  "Kernel entries after a neighbour change: {} rewritten with a new MAC, {} back "
                  "to bpf_redirect_neigh, {} to bpf_redirect_peer (e.g. {}; {} earlier checks "
                  "with changes not reported)",
                  result.rewritten, result.toNeigh, result.toPeer, example, heldBack);
    } else {
        log::debug(Subsystem::kernel, "Kernel entry redirect changed: {}", example);
    }
}

}  // namespace rtprelay::kernel
