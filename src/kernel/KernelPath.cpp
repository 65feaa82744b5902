#include "kernel/KernelPath.h"

#include <ifaddrs.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sys/vfs.h>

#include <chrono>

#include "kernel/RouteLookup.h"
#include "log/Log.h"

namespace rtprelay::kernel {

using log::Subsystem;

namespace {

std::pair<std::array<uint8_t, 16>, uint16_t> orphanKey(const net::Endpoint& e) {
    return {e.address().bytes(), e.port()};
}

// The devices media arrives on: loopback (local peers always come in through it) and every
// device carrying a configured interface address.
std::vector<int> mediaDevices(const config::Config& config) {
    std::set<int> devices{static_cast<int>(if_nametoindex("lo"))};
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) == 0) {
        for (ifaddrs* i = list; i; i = i->ifa_next) {
            if (!i->ifa_addr) {
                continue;
            }
            socklen_t len =
                i->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
            auto e = net::Endpoint::fromSockaddr(i->ifa_addr, len);
            if (!e) {
                continue;
            }
            for (const auto& iface : config.interfaces) {
                if (iface.local == e->address()) {
                    devices.insert(static_cast<int>(if_nametoindex(i->ifa_name)));
                }
            }
        }
        freeifaddrs(list);
    }
    devices.erase(0);
    return {devices.begin(), devices.end()};
}

}  // namespace

KernelPath::KernelPath(const config::Config& config, std::vector<std::string>& problems)
    : peers_(config.kernelRedirectPeer), neighbourInterval_(config.kernelNeighbourInterval) {
    startForwarder(config, problems);
    startNftables(config, problems);
}

KernelPath::~KernelPath() {
    if (nftables_) {
        if (auto r = nftables_->shutdown(); !r) {
            log::error(Subsystem::nftables, "Removing our nftables objects failed: {}", r.error());
        } else {
            log::info(Subsystem::nftables, "Removed our nftables objects");
        }
    }
}

void KernelPath::startForwarder(const config::Config& config, std::vector<std::string>& problems) {
    struct statfs fs {};
    if (statfs("/sys/fs/bpf", &fs) != 0 || fs.f_type != BPF_FS_MAGIC) {
        // Pins in a bpffs mounted by this process (e.g. under `ip netns exec`, which gives the
        // daemon a /sys of its own) die with it: no hitless restart then.
        log::warning(Subsystem::kernel,
                     "bpffs is not mounted at /sys/fs/bpf; mounting it here. Kernel entries "
                     "survive a restart only if the next daemon sees the same mount");
    }
    try {
        BpfForwarder::Options options;
        options.capacity = static_cast<uint32_t>(config.kernelTableSize);
        auto forwarder = std::make_unique<BpfForwarder>(config.table, options);
        devices_ = mediaDevices(config);
        std::string attached;
        for (int ifindex : devices_) {
            AttachMode mode = forwarder->attach(ifindex);
            char name[IF_NAMESIZE] = {};
            if_indextoname(static_cast<unsigned>(ifindex), name);
            attached += fmt::format("{}{} ({})", attached.empty() ? "" : ", ", name,
                                    mode == AttachMode::tcx ? "tcx" : "tc clsact");
        }
        if (forwarder->origin() == BpfForwarder::Origin::resized) {
            log::notice(Subsystem::kernel,
                        "Kernel table {} resized from {} to {} entries (kernel-table-size); {} "
                        "entries of the previous run carried over, {} did not fit",
                        config.table, forwarder->previousCapacity(), forwarder->capacity(),
                        forwarder->migratedEntries(), forwarder->droppedEntries());
        }
        if (forwarder->origin() == BpfForwarder::Origin::replaced) {
            log::notice(Subsystem::kernel,
                        "Kernel table {} had maps of another layout (another rtprelay version) "
                        "or a half-written pin directory: replaced, its entries not carried over",
                        config.table);
        }
        if (forwarder->origin() == BpfForwarder::Origin::adopted ||
            forwarder->origin() == BpfForwarder::Origin::resized) {
            // Entries a previous daemon left keep forwarding until claimed or idle.
            if (auto entries = forwarder->entries()) {
                for (const auto& rule : *entries) {
                    orphans_.insert(orphanKey(rule.local));
                    if (rule.peer) {
                        // Its MACs are as old as the previous daemon's last check.
                        auto route = RouteLookup::route(rule.outSource.address(),
                                                        rule.outDestination.address());
                        peers_.adopt(rule, route ? route->nextHop : rule.outDestination.address());
                    }
                }
            }
            if (!orphans_.empty()) {
                log::notice(Subsystem::kernel,
                            "Adopted kernel table {} with {} entries from a previous run; they "
                            "keep forwarding until a new call takes their port or they fall idle",
                            config.table, orphans_.size());
            }
        }
        log::notice(Subsystem::kernel, "eBPF kernel forwarding active, table {}, attached to {}",
                    config.table, attached);
        forwarder_ = std::move(forwarder);
    } catch (const std::exception& e) {
        problems.push_back(std::string("eBPF kernel forwarding unavailable: ") + e.what());
    }
}

void KernelPath::startNftables(const config::Config& config, std::vector<std::string>& problems) {
    std::string why;
    auto settings = nftablesSettingsFrom(config, &why);
    if (!settings) {
        if (!why.empty()) {
            problems.push_back("nftables not managed: " + why);
        }
        return;
    }
    auto manager = std::make_unique<NftablesManager>(*settings);
    if (auto r = manager->setup(); !r) {
        problems.push_back("nftables setup failed: " + r.error());
        return;
    }
    if (manager->staleRemoved()) {
        log::notice(Subsystem::nftables, "Removed nftables objects left by a previous run");
    }
    log::notice(Subsystem::nftables, "nftables chain '{}' set up", config.nftablesChain);
    nftables_ = std::move(manager);
}

void KernelPath::keepEntriesOnExit() {
    std::lock_guard lock(mutex_);
    keepEntries_ = true;
}

media::OffloadOutcome KernelPath::install(const media::OffloadRequest& request) {
    media::OffloadOutcome outcome;
    if (!forwarder_) {
        return outcome;
    }
    if (request.retry && !forwarder_->hasRoom()) {
        outcome.retryLater = true;
        return outcome;
    }
    ForwardingRule rule;
    rule.local = request.local;
    rule.expectedSource = request.expectedSource;
    rule.sourcePolicy = !request.expectedSource    ? SourcePolicy::ignore
                        : request.dropOtherSources ? SourcePolicy::drop
                                                   : SourcePolicy::pass;
    rule.outSource = request.outSource;
    rule.outDestination = request.outDestination;
    if (request.tos > 0) {
        rule.tos = static_cast<uint8_t>(request.tos);
    }
    rule.payloadTypes = request.payloadTypes;
    rule.rtcpPort = request.rtcpPort;
    rule.forwardMuxedRtcp = request.forwardMuxedRtcp;
    auto route = RouteLookup::route(rule.outSource.address(), rule.outDestination.address());
    if (!route) {
        // A route may appear later (an interface coming up).
        log::info(Subsystem::kernel, "Stream {} stays in userspace for now: {}",
                  rule.local.toString(), route.error());
        outcome.retryLater = true;
        return outcome;
    }
    rule.outIfindex = route->ifindex;
    if (auto why = rule.invalidReason()) {
        log::info(Subsystem::kernel, "Stream {} stays in userspace: {}", rule.local.toString(),
                  *why);
        return outcome;
    }
    auto neighMode = peers_.prepare(rule, route->nextHop);
    releaseOrphan(rule.local);
    bool full = false;
    const uint32_t sizeBefore = forwarder_->tableSize();
    const auto started = std::chrono::steady_clock::now();
    auto slot = forwarder_->upsert(rule, &full);
    if (uint32_t size = forwarder_->tableSize(); size != sizeBefore) {
        log::info(Subsystem::kernel,
                  "Kernel table {} grew from {} to {} entries (of at most {}), entries copied "
                  "in {} ms",
                  forwarder_->table(), sizeBefore, size, forwarder_->capacity(),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count());
    }
    if (!slot && full) {
        reportFullTable(rule.local);
        outcome.retryLater = true;
        return outcome;
    }
    if (!slot) {
        log::warning(Subsystem::kernel, "Stream {} stays in userspace for now: {}",
                     rule.local.toString(), slot.error());
        outcome.retryLater = true;
        return outcome;
    }
    log::debug(Subsystem::kernel, "Kernelized {} -> {} from {} (redirect {})",
               rule.local.toString(), rule.outDestination.toString(), rule.outSource.toString(),
               neighMode ? "neigh: " + *neighMode : "peer");
    outcome.slot = *slot;
    return outcome;
}

void KernelPath::reportFullTable(const net::Endpoint& local) {
    // A full table refuses every new stream until calls end: one line per interval, with
    // the count since the previous one, instead of one per stream.
    uint64_t heldBack = 0;
    if (!fullTableLog_.admit(heldBack)) {
        return;
    }
    uint64_t refused = heldBack + 1;
    log::warning(Subsystem::kernel,
                 "Kernel table {} is full ({} entries): stream {} stays in userspace ({} "
                 "refused since the last report, {} in all); raise kernel-table-size",
                 forwarder_->table(), forwarder_->capacity(), local.toString(), refused,
                 forwarder_->fullRefusals());
}

void KernelPath::remove(const net::Endpoint& local) {
    if (!forwarder_) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        if (keepEntries_) {
            return;
        }
    }
    if (auto r = forwarder_->erase(local); !r) {
        log::warning(Subsystem::kernel, "Removing kernel entry {} failed: {}", local.toString(),
                     r.error());
    }
    peers_.forget(local);
}

std::optional<media::KernelCounters> KernelPath::counters(uint32_t slot) const {
    if (!forwarder_) {
        return std::nullopt;
    }
    auto stats = forwarder_->readStats(slot);
    if (!stats) {
        return std::nullopt;
    }
    return media::KernelCounters{stats->packets, stats->bytes, stats->errors, stats->lastPacketUs};
}

media::KernelCounters KernelPath::trafficTotals() const {
    if (!forwarder_) {
        return {};
    }
    ForwardingStats t = forwarder_->totals();
    return {t.packets, t.bytes, t.errors, 0};
}

void KernelPath::releaseOrphan(const net::Endpoint& local) {
    std::lock_guard lock(mutex_);
    orphans_.erase(orphanKey(local));
}

void KernelPath::portsOpened(const net::IpAddress& address, uint16_t rtp, uint16_t rtcp) {
    if (forwarder_) {
        // A port a previous daemon's call still forwards belongs to the new call now.
        for (uint16_t port : {rtp, rtcp}) {
            net::Endpoint local(address, port);
            bool orphan;
            {
                std::lock_guard lock(mutex_);
                orphan = orphans_.erase(orphanKey(local)) > 0;
            }
            if (orphan) {
                forwarder_->erase(local);
                peers_.forget(local);
            }
        }
    }
    if (nftables_) {
        uint16_t ports[2] = {rtp, rtcp};
        if (auto r = nftables_->addPorts(ports); !r) {
            log::warning(Subsystem::nftables, "Opening ports {}/{} failed: {}", rtp, rtcp,
                         r.error());
        }
    }
}

void KernelPath::portsClosed(const net::IpAddress&, uint16_t rtp, uint16_t rtcp) {
    if (nftables_) {
        uint16_t ports[2] = {rtp, rtcp};
        if (auto r = nftables_->removePorts(ports); !r) {
            log::warning(Subsystem::nftables, "Closing ports {}/{} failed: {}", rtp, rtcp,
                         r.error());
        }
    }
}

void KernelPath::sweepOrphans(int timeoutSeconds) {
    if (!forwarder_) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        if (orphans_.empty()) {
            return;
        }
    }
    auto entries = forwarder_->entries();
    if (!entries) {
        return;
    }
    int64_t nowUs = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    static const auto started = nowUs;
    for (const auto& rule : *entries) {
        {
            std::lock_guard lock(mutex_);
            if (!orphans_.count(orphanKey(rule.local))) {
                continue;
            }
        }
        auto stats = forwarder_->readStats(rule.statsSlot);
        // An entry that never forwarded in this daemon's lifetime counts from our start.
        int64_t last = stats ? std::max(stats->lastPacketUs, started) : started;
        if (nowUs - last >= static_cast<int64_t>(timeoutSeconds) * 1000000) {
            forwarder_->erase(rule.local);
            peers_.forget(rule.local);
            std::lock_guard lock(mutex_);
            orphans_.erase(orphanKey(rule.local));
            log::info(Subsystem::kernel, "Removed idle kernel entry {} left by a previous run",
                      rule.local.toString());
        }
    }
}

// For the checks the daemon's timer calls every second that run only every `interval`: true,
// with `next` moved on, when this call is due. Only the timer thread touches `next`.
bool KernelPath::dueNow(std::chrono::steady_clock::time_point& next,
                        std::chrono::seconds interval) {
    auto now = std::chrono::steady_clock::now();
    if (now < next) {
        return false;
    }
    next = now + interval;
    return true;
}

void KernelPath::checkNeighbours() {
    if (!forwarder_) {
        return;
    }
    if (dueNow(nextNeighbourCheck_, neighbourInterval_)) {
        peers_.check(*forwarder_);
    }
}

void KernelPath::checkFirewall() {
    if (!nftables_) {
        return;
    }
    if (!dueNow(nextFirewallCheck_, kFirewallCheckInterval)) {
        return;
    }
    auto repaired = nftables_->repair();
    if (!repaired) {
        uint64_t heldBack = 0;
        if (firewallFailureLog_.admit(heldBack)) {
            log::error(Subsystem::nftables, "Cannot restore the nftables objects: {}",
                       repaired.error());
        }
        return;
    }
    if (!repaired->empty()) {
        // Once per event: the next check finds everything in place again.
        log::warning(Subsystem::nftables, "Removed while running: {}", *repaired);
    }
}

control::bencode::Value KernelPath::status() const {
    using control::bencode::Value;
    Value v = Value::dict();
    v.set("ebpf", forwarder_ ? "attached" : "unavailable");
    if (forwarder_) {
        v.set("table", static_cast<int64_t>(forwarder_->table()));
        auto entries = forwarder_->entries();
        v.set("entries", static_cast<int64_t>(entries ? entries->size() : 0));
        int64_t peerEntries = 0;
        if (entries) {
            for (const auto& rule : *entries) {
                peerEntries += rule.peer ? 1 : 0;
            }
        }
        v.set("redirect peer", peers_.enabled() ? "on" : "off");
        v.set("redirect peer entries", peerEntries);
        v.set("capacity", static_cast<int64_t>(forwarder_->capacity()));
        // The forwarding table grows towards the capacity as entries need it.
        v.set("table size", static_cast<int64_t>(forwarder_->tableSize()));
        v.set("table full refusals", static_cast<int64_t>(forwarder_->fullRefusals()));
        {
            std::lock_guard lock(mutex_);
            v.set("adopted entries", static_cast<int64_t>(orphans_.size()));
        }
        Value devices = Value::list();
        for (const auto& a : forwarder_->attachments()) {
            char name[IF_NAMESIZE] = {};
            if_indextoname(static_cast<unsigned>(a.ifindex), name);
            devices.push(std::string(name));
        }
        v.set("devices", std::move(devices));
    }
    v.set("nftables", nftables_ ? "managed" : "not managed");
    return v;
}

KernelPath::TableView KernelPath::tableView() const {
    TableView view;
    if (!forwarder_) {
        return view;
    }
    view.capacity = forwarder_->capacity();
    view.tableSize = forwarder_->tableSize();
    view.fullRefusals = forwarder_->fullRefusals();
    auto entries = forwarder_->entries();
    if (!entries) {
        view.error = entries.error();
        return view;
    }
    for (auto& rule : *entries) {
        TableView::Entry e;
        if (auto stats = forwarder_->readStats(rule.statsSlot)) {
            e.stats = *stats;
        }
        {
            std::lock_guard lock(mutex_);
            e.adopted = orphans_.count(orphanKey(rule.local)) > 0;
        }
        e.rule = std::move(rule);
        view.entries.push_back(std::move(e));
    }
    if (auto verdicts = forwarder_->readVerdicts()) {
        view.verdicts = *verdicts;
    }
    return view;
}

}  // namespace rtprelay::kernel
