#include "ops/StatisticsCollector.h"

#include <cstdlib>

namespace rtprelay::ops {

using control::bencode::Value;

namespace {

uint64_t perSecond(uint64_t before, uint64_t after, double seconds) {
    if (after <= before || seconds <= 0) {
        return 0;
    }
    return static_cast<uint64_t>(static_cast<double>(after - before) / seconds + 0.5);
}

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

uint64_t nonNegative(int64_t v) {
    return v < 0 ? 0 : static_cast<uint64_t>(v);
}

// ControlStatistics keeps its counters in rtpengine's `controlstatistics` shape; reading them
// back from there keeps one source for ng, CLI and metrics.
void readControl(const Value& control, StatisticsSnapshot& out) {
    if (const Value* proxies = control.find("proxies"); proxies && proxies->isList()) {
        for (const Value& p : proxies->items()) {
            const Value* proxy = p.find("proxy");
            if (!proxy || !proxy->isString() || !p.isDict()) {
                continue;
            }
            for (const auto& [key, value] : p.entries()) {
                if (key == "errorcount" && value.isInt()) {
                    out.errorsByProxy.emplace_back(proxy->str(), nonNegative(value.integer()));
                    continue;
                }
                if (!endsWith(key, "count") || !value.isInt()) {
                    continue;
                }
                StatisticsSnapshot::Requests r;
                r.proxy = proxy->str();
                r.request = key.substr(0, key.size() - 5);
                r.count = nonNegative(value.integer());
                if (const Value* d = p.find(r.request + "duration"); d && d->isString()) {
                    r.seconds = std::strtod(d->str().c_str(), nullptr);
                }
                out.requests.push_back(std::move(r));
            }
        }
    }
    if (const Value* v = control.find("totalrequestcount"); v && v->isInt()) {
        out.totalRequests = nonNegative(v->integer());
    }
    if (const Value* v = control.find("totalerrorcount"); v && v->isInt()) {
        out.totalErrors = nonNegative(v->integer());
    }
}

}  // namespace

StatisticsCollector::StatisticsCollector(const OpsContext& context)
    : context_(context), table_(context.config.table) {}

int64_t StatisticsCollector::uptimeSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                            context_.started)
        .count();
}

void StatisticsCollector::sample() {
    // Rates need only the totals' growth: read from the relay's and the kernel table's
    // counters, not from every call (a walk over thousands of calls each second).
    Sample now{std::chrono::steady_clock::now(), {}};
    now.totals.userspace = context_.signalling.userspaceTotals();
    if (context_.kernel) {
        auto kernel = context_.kernel->trafficTotals();
        now.totals.kernel = {kernel.packets, kernel.bytes, kernel.errors};
    }
    std::lock_guard lock(mutex_);
    if (last_) {
        double seconds = std::chrono::duration<double>(now.at - last_->at).count();
        const auto& a = last_->totals;
        const auto& b = now.totals;
        rates_.packetsUser = perSecond(a.userspace.packets, b.userspace.packets, seconds);
        rates_.bytesUser = perSecond(a.userspace.bytes, b.userspace.bytes, seconds);
        rates_.errorsUser = perSecond(a.userspace.errors, b.userspace.errors, seconds);
        rates_.packetsKernel = perSecond(a.kernel.packets, b.kernel.packets, seconds);
        rates_.bytesKernel = perSecond(a.kernel.bytes, b.kernel.bytes, seconds);
        rates_.errorsKernel = perSecond(a.kernel.errors, b.kernel.errors, seconds);
    }
    last_ = std::move(now);
}

TrafficRates StatisticsCollector::rates() const {
    std::lock_guard lock(mutex_);
    return rates_;
}

StatisticsSnapshot StatisticsCollector::collect() {
    StatisticsSnapshot s;
    s.uptimeSeconds = uptimeSeconds();
    s.sessions = context_.signalling.sessionCounts();
    s.media = context_.signalling.mediaTotals();
    s.rates = rates();
    for (const auto& iface : context_.interfaces.all()) {
        for (const auto& address : iface->addresses()) {
            const auto& pool = address->ports();
            StatisticsSnapshot::PortUsage p;
            p.interface = iface->name();
            p.address = address->local().toString();
            p.portMin = pool.portMin();
            p.portMax = pool.portMax();
            p.used = pool.usedPorts();
            p.free = pool.freePairs() * 2;
            p.total = pool.totalPairs() * 2;
            s.ports.push_back(std::move(p));
        }
    }
    readControl(context_.control.snapshot(), s);
    using Drop = control::ControlStatistics::Drop;
    s.ngDrops = {context_.control.drops(Drop::noCookie), context_.control.drops(Drop::oversized),
                 context_.control.drops(Drop::tcpFraming),
                 context_.control.drops(Drop::tcpOverflow)};
    for (size_t i = 0; i < s.controlDenied.size(); ++i) {
        s.controlDenied[i] = context_.control.denied(static_cast<control::ControlListener>(i));
    }
    s.httpUnauthorized = context_.control.unauthorized();
    s.table = table_;
    if (const auto* k = context_.kernel) {
        s.ebpfAttached = k->forwarding();
        s.nftablesManaged = k->firewalling();
        auto view = k->tableView();
        s.kernelEntries = view.entries.size();
        for (const auto& e : view.entries) {
            s.adoptedEntries += e.adopted ? 1 : 0;
            s.peerEntries += e.rule.peer ? 1 : 0;
        }
        s.verdicts = view.verdicts;
        s.kernelCapacity = view.capacity;
        s.kernelTableSize = view.tableSize;
        s.kernelFullRefusals = view.fullRefusals;
    }
    return s;
}

Value StatisticsCollector::ngStatistics() {
    Value total = Value::dict();
    total.set("uptime", uptimeSeconds());
    Value statistics = Value::dict();
    statistics.set("totalstatistics", std::move(total));
    context_.signalling.addStatistics(statistics);
    if (const Value* found = statistics.find("currentstatistics"); found && found->isDict()) {
        Value current = *found;
        auto r = rates();
        current.set("packetrate_user", static_cast<int64_t>(r.packetsUser));
        current.set("byterate_user", static_cast<int64_t>(r.bytesUser));
        current.set("errorrate_user", static_cast<int64_t>(r.errorsUser));
        current.set("packetrate_kernel", static_cast<int64_t>(r.packetsKernel));
        current.set("byterate_kernel", static_cast<int64_t>(r.bytesKernel));
        current.set("errorrate_kernel", static_cast<int64_t>(r.errorsKernel));
        current.set("packetrate", static_cast<int64_t>(r.packetsUser + r.packetsKernel));
        current.set("byterate", static_cast<int64_t>(r.bytesUser + r.bytesKernel));
        current.set("errorrate", static_cast<int64_t>(r.errorsUser + r.errorsKernel));
        statistics.set("currentstatistics", std::move(current));
    }
    statistics.set("controlstatistics", context_.control.snapshot());
    if (context_.kernel) {
        statistics.set("kernel", context_.kernel->status());
    }
    return statistics;
}

}  // namespace rtprelay::ops
