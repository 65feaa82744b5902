#include "ops/CliText.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "call/CallRegistry.h"
#include "call/LegTraffic.h"
#include "control/ControlListener.h"

namespace rtprelay::ops {

namespace {

using call::Teardown;

std::string line(std::string_view description, const std::string& value) {
    return fmt::format(" {:<48}:{}\n", description, value);
}

template <typename T>
std::string line(std::string_view description, T value) {
    return line(description, fmt::format("{}", value));
}

int64_t epochSeconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string endpointText(const std::optional<net::Endpoint>& e) {
    return e ? e->toString() : std::string("(unknown)");
}

std::string streamLine(const call::MediaLeg& leg, bool rtcp, const media::KernelOffload* kernel) {
    const auto& rt = *leg.runtime;
    call::LegTraffic in = call::ingressTraffic(leg, rtcp, kernel);
    const auto& out = rtcp ? rt.rtcpOut : rt.rtpOut;
    auto learned = rt.learned();
    const auto& sdpEndpoint = rtcp ? leg.rtcpEndpoint : leg.rtpEndpoint;
    const auto& learnedEndpoint = rtcp ? learned.rtcp : learned.rtp;
    bool confirmed = rtcp ? learned.rtcpConfirmed : learned.rtpConfirmed;
    const auto& endpoint = confirmed && learnedEndpoint ? learnedEndpoint : sdpEndpoint;
    std::string local = "0.0.0.0";
    unsigned port = 0;
    if (leg.sockets) {
        local = leg.sockets->address().local().toString();
        port = rtcp ? leg.sockets->rtcpPort() : leg.sockets->rtpPort();
    }
    std::string ssrc = rt.ssrcCount.load() ? fmt::format("{:x}", rt.ssrcs[0].ssrc.load())
                                           : std::string("(unknown)");
    std::string extra;
    if (in.kernelized) {
        extra += ", kernelized";
    }
    if (uint64_t drops = rt.foreignSourceDrops.load(); !rtcp && drops > 0) {
        extra += fmt::format(", {} foreign source drops", drops);
    }
    return fmt::format(
        "-------- Port {:>15}:{:<5} <> {:>21}{}, SSRC {}, in {} p, {} b, {} e, {} last_packet, "
        "out {} p, {} b, {} e{}\n",
        local, port, endpointText(endpoint), rtcp ? " (RTCP)" : "", ssrc, in.packets, in.bytes,
        in.errors, in.lastPacketUs() / 1000000, out.packets.load(), out.bytes.load(),
        out.errors.load(), extra);
}

// ng-style status values ("attached", 4, ["lo", "eth0"]) as text.
std::string valueText(const control::bencode::Value& v) {
    if (v.isString()) {
        return v.str();
    }
    if (v.isInt()) {
        return std::to_string(v.integer());
    }
    if (v.isList()) {
        std::string out;
        for (const auto& item : v.items()) {
            out += (out.empty() ? "" : ", ") + valueText(item);
        }
        return out.empty() ? "(none)" : out;
    }
    return "...";
}

std::string policyText(kernel::SourcePolicy p) {
    switch (p) {
        case kernel::SourcePolicy::ignore:
            return "any source";
        case kernel::SourcePolicy::drop:
            return "others dropped";
        case kernel::SourcePolicy::pass:
            return "others to userspace";
    }
    return "?";
}

}  // namespace

std::string numSessionsText(const call::SignallingEngine::SessionCounts& c) {
    return fmt::format(
        "Current sessions own: {}\nCurrent sessions foreign: 0\nCurrent sessions total: {}\n"
        "Current transcoded media: 0\nCurrent sessions ipv4 only media: {}\n"
        "Current sessions ipv6 only media: {}\nCurrent sessions ip mixed  media: {}\n",
        c.sessions, c.sessions, c.ipv4, c.ipv6, c.mixed);
}

std::string totalsText(const StatisticsSnapshot& s) {
    const auto& r = s.rates;
    const auto& c = s.sessions;
    const auto& user = s.media.userspace;
    const auto& kernel = s.media.kernel;
    auto closed = [&](Teardown t) { return c.closed[static_cast<size_t>(t)]; };

    std::string out = "\nStatistics over currently running sessions:\n\n";
    out += line("Number of sessions (own)", c.sessions);
    out += line("Number of sessions (foreign)", 0);
    out += line("Number of sessions (total)", c.sessions);
    out += line("Packets per second (userspace)", r.packetsUser);
    out += line("Bytes per second (userspace)", r.bytesUser);
    out += line("Errors per second (userspace)", r.errorsUser);
    out += line("Packets per second (kernel)", r.packetsKernel);
    out += line("Bytes per second (kernel)", r.bytesKernel);
    out += line("Errors per second (kernel)", r.errorsKernel);
    out += line("Packets per second (total)", r.packetsUser + r.packetsKernel);
    out += line("Bytes per second (total)", r.bytesUser + r.bytesKernel);
    out += line("Errors per second (total)", r.errorsUser + r.errorsKernel);
    out += line("Media streams relayed in userspace", c.streamsUserspace);
    out += line("Media streams relayed in the kernel", c.streamsKernel);
    out += line("Media streams relayed in both", c.streamsMixed);

    out += "\nTotal statistics (does not include current running sessions):\n\n";
    out += line("Uptime of rtpengine", fmt::format("{} seconds", s.uptimeSeconds));
    out += line("Total managed sessions", c.managed);
    out += line("Total rejected sessions", c.rejected);
    out += line("Total timed-out sessions via TIMEOUT", closed(Teardown::timeout));
    out += line("Total timed-out sessions via SILENT_TIMEOUT", closed(Teardown::silentTimeout));
    out += line("Total timed-out sessions via FINAL_TIMEOUT", closed(Teardown::finalTimeout));
    out += line("Total timed-out sessions via OFFER_TIMEOUT", closed(Teardown::offerTimeout));
    out += line("Total regular terminated sessions", closed(Teardown::regular));
    out += line("Total forced terminated sessions", closed(Teardown::forced));
    out += line("Total relayed packets (userspace)", user.packets);
    out += line("Total relayed packets (kernel)", kernel.packets);
    out += line("Total relayed packets", user.packets + kernel.packets);
    out += line("Total relayed packet errors (userspace)", user.errors);
    out += line("Total relayed packet errors (kernel)", kernel.errors);
    out += line("Total relayed packet errors", user.errors + kernel.errors);
    out += line("Total relayed bytes (userspace)", user.bytes);
    out += line("Total relayed bytes (kernel)", kernel.bytes);
    out += line("Total relayed bytes", user.bytes + kernel.bytes);
    out += line("Packets dropped from foreign sources", s.media.foreignSourceDrops);

    out += "\nControl statistics:\n\n";
    std::set<std::string> commands;
    std::map<std::string, std::map<std::string, uint64_t>> byProxy;
    for (const auto& q : s.requests) {
        commands.insert(q.request);
        byProxy[q.proxy][q.request] = q.count;
    }
    std::map<std::string, uint64_t> errors(s.errorsByProxy.begin(), s.errorsByProxy.end());
    std::string header = fmt::format(" {:<40}", "Proxy");
    for (const auto& command : commands) {
        header += fmt::format(" {:>12}", command);
    }
    out += header + fmt::format(" {:>12}\n", "errors");
    for (const auto& [proxy, counts] : byProxy) {
        std::string row = fmt::format(" {:<40}", proxy);
        for (const auto& command : commands) {
            auto it = counts.find(command);
            row += fmt::format(" {:>12}", it == counts.end() ? 0 : it->second);
        }
        out += row + fmt::format(" {:>12}\n", errors[proxy]);
    }
    out += "\n";
    out += line("Total ng requests", s.totalRequests);
    out += line("Total ng errors", s.totalErrors);
    using control::ControlListener;
    auto denied = [&](ControlListener l) { return s.controlDenied[static_cast<size_t>(l)]; };
    out += line("Refused by source address (ng UDP datagrams)", denied(ControlListener::ngUdp));
    out += line("Refused by source address (ng TCP connections)", denied(ControlListener::ngTcp));
    out += line("Refused by source address (CLI connections)", denied(ControlListener::cli));
    out += line("Refused by source address (HTTP connections)", denied(ControlListener::http));
    out += line("HTTP requests refused for http-secret", s.httpUnauthorized);

    out += "\nKernel forwarding:\n\n";
    if (s.table < 0) {
        out += line("Kernel table", "none (table = -1), userspace only");
    } else {
        out += line("Kernel table", s.table);
        out += line("eBPF program", s.ebpfAttached ? "attached" : "unavailable");
        out += line("Kernel entries", s.kernelEntries);
        out += line("Kernel entries adopted from a previous run", s.adoptedEntries);
        out += line("Kernel entries delivered to a veth peer", s.peerEntries);
        out += line("Kernel table capacity", s.kernelCapacity);
        out += line("Kernel table size (grows to the capacity)", s.kernelTableSize);
        out += line("Streams refused by a full kernel table", s.kernelFullRefusals);
        out += line("nftables", s.nftablesManaged ? "managed" : "not managed");
    }
    return out;
}

std::string countersText(const TrafficRates& r) {
    std::string out = "\nCurrent per-second counters:\n\n";
    out += line("Packets per second", r.packetsUser + r.packetsKernel);
    out += line("Bytes per second", r.bytesUser + r.bytesKernel);
    out += line("Errors per second", r.errorsUser + r.errorsKernel);
    out += line("Packets per second (userspace)", r.packetsUser);
    out += line("Bytes per second (userspace)", r.bytesUser);
    out += line("Errors per second (userspace)", r.errorsUser);
    out += line("Packets per second (kernel)", r.packetsKernel);
    out += line("Bytes per second (kernel)", r.bytesKernel);
    out += line("Errors per second (kernel)", r.errorsKernel);
    return out;
}

std::string interfacesText(const StatisticsSnapshot& s) {
    std::string out;
    for (const auto& p : s.ports) {
        double percent =
            p.total ? 100.0 * static_cast<double>(p.used) / static_cast<double>(p.total) : 0.0;
        out += fmt::format("Interface '{}' address '{}'\n", p.interface, p.address);
        out += fmt::format(" Port range: {:>5} - {:>5}\n", p.portMin, p.portMax);
        out += fmt::format(" Ports used: {:>5} / {:>5} ({:5.1f}%)\n", p.used, p.total, percent);
        out += fmt::format(" Ports free: {:>5}\n", p.free);
    }
    return out;
}

std::string sessionLine(const call::Call& call) {
    return fmt::format(
        "ID: {:>60} | del:{} | creat:{:>4} | prx:{} | redis:{:>2} | frgn:{} | rec:{}\n",
        call.callId(), call.deleteAt ? "y" : "n", epochSeconds(call.created()), call.createdFrom,
        -1, "n", "n");
}

std::string callInfoText(const call::Call& call, const media::KernelOffload* kernel) {
    std::string out = fmt::format(
        "\ncallid: {}\ndeletionmark: {}\ncreated: {}\nproxy: {}\ntos: {}\nlast_signal: {}\n"
        "redis_keyspace: -1\nforeign: no\nrecording: no\n\n",
        call.callId(), call.deleteAt ? "yes" : "no", epochSeconds(call.created()), call.createdFrom,
        call.tos, epochSeconds(call.lastSignalWall()));
    auto now = std::chrono::system_clock::now();
    for (const auto& partyPtr : call.parties()) {
        const call::Party& p = *partyPtr;
        auto us =
            std::chrono::duration_cast<std::chrono::microseconds>(p.ended.value_or(now) - p.created)
                .count();
        out += fmt::format(
            "--- Tag '{}', type: {}, label '{}', branch '{}', callduration {}.{:06}\n", p.tag,
            p.offerer ? "FROM_TAG" : "TO_TAG", p.label, p.viaBranch, us / 1000000, us % 1000000);
        if (p.peer) {
            out += fmt::format("---     subscribed to '{}'\n", p.peer->tag);
        }
        for (const auto& other : call.parties()) {
            if (other->peer == &p) {
                out += fmt::format("---     subscription for '{}'\n", other->tag);
            }
        }
        for (const auto& legPtr : p.media) {
            const call::MediaLeg& leg = *legPtr;
            out += fmt::format("------ Media #{} ({} over {}) using {}\n", leg.index + 1, leg.type,
                               leg.protocol.empty() ? "(unknown)" : leg.protocol,
                               leg.codec.empty() ? "unknown codec" : leg.codec);
            if (leg.rejected) {
                continue;
            }
            out += streamLine(leg, false, kernel);
            if (!leg.rtcpMux) {
                out += streamLine(leg, true, kernel);
            }
        }
    }
    return out;
}

std::string kernelText(int table, const kernel::KernelPath* kernel) {
    if (!kernel) {
        return fmt::format(
            "Kernel forwarding: off (table = {}); every stream is relayed in userspace\n", table);
    }
    std::string out;
    auto status = kernel->status();
    for (const auto& [key, value] : status.entries()) {
        out += fmt::format("{}: {}\n", key, valueText(value));
    }
    auto view = kernel->tableView();
    if (!view.error.empty()) {
        out += fmt::format("Reading the kernel table failed: {}\n", view.error);
        return out;
    }
    if (view.verdicts) {
        std::string line;
        for (int v = 0; v < RTPRELAY_VERDICT_COUNT; ++v) {
            auto verdict = static_cast<rtprelay_verdict>(v);
            line += fmt::format("{}{} {}", line.empty() ? "" : ", ",
                                kernel::VerdictCounts::name(verdict), (*view.verdicts)[verdict]);
        }
        out += "verdicts: " + line + "\n";
    }
    if (view.entries.empty()) {
        return out + "\nNo kernel entries.\n";
    }
    std::sort(view.entries.begin(), view.entries.end(), [](const auto& a, const auto& b) {
        return a.rule.local.toString() < b.rule.local.toString();
    });
    out += "\n";
    for (const auto& e : view.entries) {
        const auto& r = e.rule;
        std::string source = r.expectedSource ? r.expectedSource->toString() : "any";
        out += fmt::format(
            "{} -> {} from {} | source {}, {} | {}{} | redirect {} | packets {}, bytes {}, "
            "errors {}, last_packet {}{}\n",
            r.local.toString(), r.outDestination.toString(), r.outSource.toString(), source,
            policyText(r.sourcePolicy), r.rtcpPort ? "RTCP" : "RTP",
            r.forwardMuxedRtcp ? "+muxed RTCP" : "",
            r.peer ? "peer " + kernel::macText(r.peer->source) + " > " +
                         kernel::macText(r.peer->destination)
                   : std::string("neigh"),
            e.stats.packets, e.stats.bytes, e.stats.errors, e.stats.lastPacketUs / 1000000,
            e.adopted ? " | adopted" : "");
    }
    return out;
}

}  // namespace rtprelay::ops
