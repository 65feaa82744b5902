#include "ops/PrometheusMetrics.h"

#include "call/CallRegistry.h"
#include "control/ControlListener.h"
#include "ops/PrometheusWriter.h"

namespace rtprelay::ops {

namespace {

constexpr std::string_view gauge = "gauge";
constexpr std::string_view counter = "counter";

uint64_t u(size_t v) {
    return static_cast<uint64_t>(v);
}

void sessions(PrometheusWriter& w, const StatisticsSnapshot& s) {
    const std::string sessions = "rtpengine_sessions";
    w.add(sessions, gauge, "Number of sessions", {{"type", "own"}}, u(s.sessions.sessions));
    w.add(sessions, gauge, "Number of sessions", {{"type", "foreign"}}, uint64_t{0});
    const std::string streams = "rtpengine_mediastreams";
    const char* streamsHelp = "Media streams by where their packets are relayed";
    w.add(streams, gauge, streamsHelp, {{"type", "userspace"}}, u(s.sessions.streamsUserspace));
    w.add(streams, gauge, streamsHelp, {{"type", "kernel"}}, u(s.sessions.streamsKernel));
    w.add(streams, gauge, streamsHelp, {{"type", "mixed"}}, u(s.sessions.streamsMixed));
    w.add("rtpengine_uptime_seconds", gauge, "Uptime of rtprelay", {},
          static_cast<uint64_t>(s.uptimeSeconds < 0 ? 0 : s.uptimeSeconds));
    w.add("rtpengine_sessions_total", counter, "Total managed sessions", {}, s.sessions.managed);

    using call::Teardown;
    const std::string closed = "rtpengine_closed_sessions_total";
    const char* closedHelp = "Total closed sessions by reason";
    auto byReason = [&](const char* reason, uint64_t value) {
        w.add(closed, counter, closedHelp, {{"reason", reason}}, value);
    };
    auto closedBy = [&](Teardown t) { return s.sessions.closed[static_cast<size_t>(t)]; };
    byReason("rejected", s.sessions.rejected);
    byReason("timeout", closedBy(Teardown::timeout));
    byReason("silent_timeout", closedBy(Teardown::silentTimeout));
    byReason("final_timeout", closedBy(Teardown::finalTimeout));
    byReason("offer_timeout", closedBy(Teardown::offerTimeout));
    byReason("terminated", closedBy(Teardown::regular));
    byReason("force_terminated", closedBy(Teardown::forced));
}

void media(PrometheusWriter& w, const StatisticsSnapshot& s) {
    const auto& user = s.media.userspace;
    const auto& kernel = s.media.kernel;
    w.add("rtpengine_packets_total", counter, "Packets relayed", {{"type", "userspace"}},
          user.packets);
    w.add("rtpengine_packets_total", counter, "Packets relayed", {{"type", "kernel"}},
          kernel.packets);
    w.add("rtpengine_bytes_total", counter, "Bytes relayed", {{"type", "userspace"}}, user.bytes);
    w.add("rtpengine_bytes_total", counter, "Bytes relayed", {{"type", "kernel"}}, kernel.bytes);
    const char* errorsHelp = "Packets that could not be relayed";
    w.add("rtpengine_packet_errors_total", counter, errorsHelp, {{"type", "userspace"}},
          user.errors);
    w.add("rtpengine_packet_errors_total", counter, errorsHelp, {{"type", "kernel"}},
          kernel.errors);
    w.add("rtprelay_foreign_source_drops_total", counter,
          "Media packets dropped because they came from a source other than the learned one "
          "(RTP Bleed, injection)",
          {}, s.media.foreignSourceDrops);
}

void ports(PrometheusWriter& w, const StatisticsSnapshot& s) {
    for (const auto& p : s.ports) {
        PrometheusWriter::Labels labels = {{"name", p.interface}, {"address", p.address}};
        w.add("rtpengine_ports_used", gauge, "Media ports in use", labels, p.used);
        w.add("rtpengine_ports_free", gauge, "Media ports free", labels, p.free);
        w.add("rtpengine_ports", gauge, "Media ports in the range", labels, p.total);
    }
}

void control(PrometheusWriter& w, const StatisticsSnapshot& s) {
    for (const auto& r : s.requests) {
        PrometheusWriter::Labels labels = {{"proxy", r.proxy}, {"request", r.request}};
        w.add("rtpengine_requests_total", counter, "ng requests received", labels, r.count);
        w.add("rtpengine_request_seconds_total", counter, "Time spent answering ng requests",
              labels, r.seconds);
    }
    for (const auto& [proxy, errors] : s.errorsByProxy) {
        w.add("rtpengine_errors_total", counter, "ng requests answered with an error",
              {{"proxy", proxy}}, errors);
    }
    const char* reasons[] = {"no_cookie", "oversized", "tcp_framing", "tcp_overflow"};
    for (size_t i = 0; i < s.ngDrops.size(); ++i) {
        w.add("rtprelay_ng_dropped_total", counter,
              "ng input dropped before a command could be read", {{"reason", reasons[i]}},
              s.ngDrops[i]);
    }
    for (size_t i = 0; i < s.controlDenied.size(); ++i) {
        auto listener = static_cast<control::ControlListener>(i);
        w.add("rtprelay_control_denied_total", counter,
              "Control requests (ng UDP) and connections (TCP) refused by source address",
              {{"listener", std::string(control::listenerLabel(listener))}}, s.controlDenied[i]);
    }
    w.add("rtprelay_http_unauthorized_total", counter,
          "HTTP requests to POST /ng or /cli/ refused for a missing or wrong http-secret", {},
          s.httpUnauthorized);
}

void kernelPath(PrometheusWriter& w, const StatisticsSnapshot& s) {
    w.add("rtprelay_ebpf_attached", gauge,
          "1 when the eBPF forwarding program is loaded and attached (table >= 0)", {},
          uint64_t{s.ebpfAttached ? 1u : 0u});
    w.add("rtprelay_kernel_entries", gauge, "Entries in the kernel forwarding table", {},
          s.kernelEntries);
    w.add("rtprelay_kernel_adopted_entries", gauge,
          "Kernel entries left by a previous daemon that still forward", {}, s.adoptedEntries);
    w.add("rtprelay_kernel_peer_entries", gauge,
          "Kernel entries delivered straight to a veth peer (bpf_redirect_peer)", {},
          s.peerEntries);
    w.add("rtprelay_kernel_table_capacity", gauge,
          "Entries the kernel forwarding table can hold (kernel-table-size)", {}, s.kernelCapacity);
    w.add("rtprelay_kernel_table_size", gauge,
          "Entries the kernel forwarding table in use holds; it grows to the capacity", {},
          s.kernelTableSize);
    w.add("rtprelay_kernel_table_full_total", counter,
          "Streams left in userspace because the kernel forwarding table was full", {},
          s.kernelFullRefusals);
    w.add("rtprelay_nftables_managed", gauge,
          "1 when rtprelay manages its nftables chain and rules", {},
          uint64_t{s.nftablesManaged ? 1u : 0u});
    if (s.verdicts) {
        for (int v = 0; v < RTPRELAY_VERDICT_COUNT; ++v) {
            auto verdict = static_cast<rtprelay_verdict>(v);
            std::string name(kernel::VerdictCounts::name(verdict));
            for (char& c : name) {
                c = c == ' ' ? '_' : c;
            }
            w.add("rtprelay_kernel_verdicts_total", counter,
                  "UDP packets seen by the eBPF program, by what it did with them",
                  {{"verdict", name}}, (*s.verdicts)[verdict]);
        }
    }
}

}  // namespace

std::string prometheusMetrics(const StatisticsSnapshot& s) {
    PrometheusWriter w;
    sessions(w, s);
    media(w, s);
    ports(w, s);
    control(w, s);
    kernelPath(w, s);
    return w.text();
}

}  // namespace rtprelay::ops
