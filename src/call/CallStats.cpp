#include "call/CallStats.h"

#include <fmt/format.h>

#include <chrono>

#include "call/LegTraffic.h"
#include "log/Log.h"
#include "sdp/Direction.h"

namespace rtprelay::call {

using control::bencode::Dict;
using control::bencode::Value;
using media::StreamCounters;

namespace {

int64_t seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

int64_t micros(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

std::string secondsDotMicros(int64_t us) {
    return fmt::format("{}.{:06}", us / 1000000, us % 1000000);
}

Value endpointValue(const net::Endpoint& e) {
    Value v = Value::dict();
    v.set("family", e.address().isV4() ? "IPv4" : "IPv6");
    v.set("address", e.address().toString());
    v.set("port", static_cast<int64_t>(e.port()));
    return v;
}

Value trafficValue(const LegTraffic& t) {
    Value v = Value::dict();
    v.set("packets", static_cast<int64_t>(t.packets));
    v.set("bytes", static_cast<int64_t>(t.bytes));
    v.set("errors", static_cast<int64_t>(t.errors));
    return v;
}

Value countersValue(const StreamCounters& c) {
    Value v = Value::dict();
    v.set("packets", static_cast<int64_t>(c.packets.load()));
    v.set("bytes", static_cast<int64_t>(c.bytes.load()));
    v.set("errors", static_cast<int64_t>(c.errors.load()));
    return v;
}

struct Totals {
    uint64_t packets[2] = {0, 0};
    uint64_t bytes[2] = {0, 0};
    uint64_t errors[2] = {0, 0};
    void add(int kind, const LegTraffic& t) {
        packets[kind] += t.packets;
        bytes[kind] += t.bytes;
        errors[kind] += t.errors;
    }
};

Value streamValue(const MediaLeg& leg, bool rtcp, const Party& party, const LegTraffic& in) {
    Value s = Value::dict();
    const auto& rt = *leg.runtime;
    const StreamCounters& out = rtcp ? rt.rtcpOut : rt.rtpOut;
    if (leg.sockets) {
        s.set("local port", static_cast<int64_t>(rtcp && !leg.rtcpMux ? leg.sockets->rtcpPort()
                                                                      : leg.sockets->rtpPort()));
        s.set("local address", leg.sockets->address().local().toString());
        s.set("family", leg.sockets->address().local().isV4() ? "IPv4" : "IPv6");
    }
    auto learned = rt.learned();
    const auto& sdpEndpoint = rtcp ? leg.rtcpEndpoint : leg.rtpEndpoint;
    const auto& learnedEndpoint = rtcp && !leg.rtcpMux ? learned.rtcp : learned.rtp;
    bool confirmed = rtcp && !leg.rtcpMux ? learned.rtcpConfirmed : learned.rtpConfirmed;
    const auto& endpoint = confirmed && learnedEndpoint ? learnedEndpoint : sdpEndpoint;
    if (endpoint) {
        s.set("endpoint", endpointValue(*endpoint));
    }
    if (sdpEndpoint) {
        s.set("advertised endpoint", endpointValue(*sdpEndpoint));
    }
    s.set("last packet", in.lastPacketUs() / 1000000);
    s.set("last kernel packet", in.lastKernelUs / 1000000);
    s.set("last user packet", in.lastUserUs / 1000000);
    Value flags = Value::list();
    flags.push(rtcp ? "RTCP" : "RTP");
    if (sdpEndpoint) {
        flags.push("filled");
    }
    if (confirmed) {
        flags.push("confirmed");
    }
    if (party.strictSource) {
        flags.push("strict source address");
    }
    if (party.mediaHandover) {
        flags.push("media handover");
    }
    if (in.kernelized) {
        flags.push("kernelized");
    }
    s.set("flags", std::move(flags));
    s.set("stats", trafficValue(in));
    s.set("stats_out", countersValue(out));
    if (!rtcp) {
        s.set("foreign source drops", static_cast<int64_t>(rt.foreignSourceDrops.load()));
    }
    return s;
}

Value partyValue(const Party& party, Totals& totals, const media::KernelOffload* kernel) {
    Value p = Value::dict();
    p.set("tag", party.tag);
    if (!party.viaBranch.empty()) {
        p.set("via-branch", party.viaBranch);
    }
    if (!party.tagAliases.empty()) {
        Value aliases = Value::list();
        for (const auto& a : party.tagAliases) {
            aliases.push(a);
        }
        p.set("tag-aliases", std::move(aliases));
    }
    if (!party.label.empty()) {
        p.set("label", party.label);
    }
    p.set("created", seconds(party.created));
    Value peers = Value::list();
    if (party.peer) {
        Value peer = Value::dict();
        peer.set("tag", party.peer->tag);
        peer.set("type", "offer/answer");
        peers.push(std::move(peer));
    }
    p.set("subscriptions", peers);
    p.set("subscribers", std::move(peers));
    Value medias = Value::list();
    for (const auto& legPtr : party.media) {
        const MediaLeg& leg = *legPtr;
        const auto& rt = *leg.runtime;
        Value m = Value::dict();
        m.set("index", static_cast<int64_t>(leg.index + 1));
        m.set("type", leg.type);
        m.set("protocol", leg.protocol);
        if (!leg.codec.empty()) {
            m.set("codec", leg.codec);
        }
        Value streams = Value::list();
        LegTraffic rtpIn = ingressTraffic(leg, false, kernel);
        LegTraffic rtcpIn = ingressTraffic(leg, true, kernel);
        streams.push(streamValue(leg, false, party, rtpIn));
        totals.add(0, rtpIn);
        if (!leg.rtcpMux) {
            streams.push(streamValue(leg, true, party, rtcpIn));
        }
        totals.add(1, rtcpIn);
        m.set("streams", std::move(streams));
        Value flags = Value::list();
        if (leg.hasRemote) {
            flags.push("initialized");
        }
        if (leg.direction == sdp::Direction::sendrecv ||
            leg.direction == sdp::Direction::sendonly) {
            flags.push("send");
        }
        if (leg.direction == sdp::Direction::sendrecv ||
            leg.direction == sdp::Direction::recvonly) {
            flags.push("recv");
        }
        if (leg.rtcpMux) {
            flags.push("rtcp-mux");
        }
        if (party.asymmetric) {
            flags.push("asymmetric");
        }
        m.set("flags", std::move(flags));
        Value ssrcs = Value::list();
        for (uint32_t i = 0; i < rt.ssrcCount.load(); ++i) {
            Value e = Value::dict();
            e.set("SSRC", static_cast<int64_t>(rt.ssrcs[i].ssrc.load()));
            ssrcs.push(std::move(e));
        }
        m.set("ingress SSRCs", std::move(ssrcs));
        Value pts = Value::list();
        for (const auto& pt : rt.payloadTypes) {
            if (int v = pt.load(); v > 0) {
                pts.push(static_cast<int64_t>(v - 1));
            }
        }
        m.set("payload types seen", std::move(pts));
        medias.push(std::move(m));
    }
    p.set("medias", std::move(medias));
    return p;
}

Value ssrcTable(const Call& call) {
    Value table = Value::dict();
    for (const auto& party : call.parties()) {
        for (const auto& leg : party->media) {
            const auto& rt = *leg->runtime;
            for (uint32_t i = 0; i < rt.ssrcCount.load(); ++i) {
                const auto& s = rt.ssrcs[i];
                Value e = Value::dict();
                e.set("SSRC", static_cast<int64_t>(s.ssrc.load()));
                e.set("bytes", static_cast<int64_t>(s.bytes.load()));
                e.set("packets", static_cast<int64_t>(s.packets.load()));
                e.set("last RTP timestamp", static_cast<int64_t>(s.lastTimestamp.load()));
                e.set("last RTP seq", static_cast<int64_t>(s.lastSequence.load()));
                if (rt.rtcp.reports.load() > 0) {
                    e.set("cumulative loss", static_cast<int64_t>(rt.rtcp.cumulativeLost.load()));
                    e.set("fraction lost", static_cast<int64_t>(rt.rtcp.fractionLost.load()));
                    e.set("jitter", static_cast<int64_t>(rt.rtcp.jitter.load()));
                    e.set("round-trip time",
                          static_cast<int64_t>(rt.rtcp.roundTripMs.load()) * 1000);
                }
                table.set(std::to_string(s.ssrc.load()), std::move(e));
            }
        }
    }
    return table;
}

}  // namespace

void addCallStats(const Call& call, Dict& reply, const Party* only,
                  const media::KernelOffload* kernel) {
    auto createdUs = micros(call.created());
    reply.emplace_back("created", seconds(call.created()));
    reply.emplace_back("created_us", static_cast<int64_t>(createdUs % 1000000));
    reply.emplace_back("created_ts", static_cast<int64_t>(createdUs));
    reply.emplace_back("last signal", seconds(call.lastSignalWall()));
    reply.emplace_back("SSRC", ssrcTable(call));
    Totals totals;
    Value tags = Value::dict();
    for (const auto& party : call.parties()) {
        if (only && party.get() != only && party.get() != only->peer) {
            continue;
        }
        tags.set(party->tag, partyValue(*party, totals, kernel));
    }
    reply.emplace_back("tags", std::move(tags));
    Value t = Value::dict();
    const char* names[2] = {"RTP", "RTCP"};
    for (int k = 0; k < 2; ++k) {
        Value v = Value::dict();
        v.set("packets", static_cast<int64_t>(totals.packets[k]));
        v.set("bytes", static_cast<int64_t>(totals.bytes[k]));
        v.set("errors", static_cast<int64_t>(totals.errors[k]));
        t.set(names[k], std::move(v));
    }
    reply.emplace_back("totals", std::move(t));
}

std::string cdrLine(const Call& call, Teardown reason, const media::KernelOffload* kernel) {
    auto now = std::chrono::system_clock::now();
    std::string line =
        fmt::format("ci={}, created_from={}, last_signal={}, tos={}, ", call.callId(),
                    call.createdFrom, seconds(call.lastSignalWall()), call.tos);
    size_t index = 0;
    for (const auto& partyPtr : call.parties()) {
        const Party& p = *partyPtr;
        std::string ml = fmt::format("ml{}_", index++);
        int64_t start = micros(p.created);
        int64_t end = micros(p.ended.value_or(now));
        line += fmt::format(
            "{0}start_time={1}, {0}end_time={2}, {0}duration={3}, {0}termination={4}, "
            "{0}local_tag={5}, {0}local_tag_type={6}, ",
            ml, secondsDotMicros(start), secondsDotMicros(end), secondsDotMicros(end - start),
            teardownName(reason), p.tag, p.offerer ? "FROM_TAG" : "TO_TAG");
        if (p.peer) {
            line += fmt::format("{}remote_tag={}, ", ml, p.peer->tag);
        }
        for (const auto& legPtr : p.media) {
            const MediaLeg& leg = *legPtr;
            const auto& rt = *leg.runtime;
            int firstPt = 0;
            for (const auto& pt : rt.payloadTypes) {
                if (int v = pt.load(); v > 0) {
                    firstPt = v;
                    break;
                }
            }
            line += firstPt ? fmt::format("payload_type={}, ", firstPt - 1)
                            : std::string("payload_type=unknown, ");
            auto learned = rt.learned();
            for (int rtcp = 0; rtcp < 2; ++rtcp) {
                const auto& endpoint = rtcp ? (learned.rtcp ? learned.rtcp : leg.rtcpEndpoint)
                                            : (learned.rtp ? learned.rtp : leg.rtpEndpoint);
                LegTraffic c = ingressTraffic(leg, rtcp != 0, kernel);
                std::string s =
                    fmt::format("{}midx{}_{}_", ml, leg.index + 1, rtcp ? "rtcp" : "rtp");
                line += fmt::format(
                    "{0}endpoint_ip={1}, {0}endpoint_port={2}, {0}local_relay_ip={3}, "
                    "{0}local_relay_port={4}, {0}relayed_packets={5}, {0}relayed_bytes={6}, "
                    "{0}relayed_errors={7}, {0}last_packet={8}, {0}in_tos_tclass=0, ",
                    s, endpoint ? endpoint->address().toString() : "0.0.0.0",
                    endpoint ? endpoint->port() : 0,
                    leg.sockets ? leg.sockets->address().local().toString() : "0.0.0.0",
                    leg.sockets ? (rtcp ? leg.sockets->rtcpPort() : leg.sockets->rtpPort()) : 0,
                    c.packets, c.bytes, c.errors, c.lastPacketUs() / 1000000);
            }
        }
    }
    return line;
}

void logFinalStats(const Call& call, const media::KernelOffload* kernel) {
    using log::Subsystem;
    if (!log::enabled(log::Level::info)) {
        return;
    }
    log::info(Subsystem::call, "Final packet stats:");
    auto now = std::chrono::system_clock::now();
    for (const auto& partyPtr : call.parties()) {
        const Party& p = *partyPtr;
        auto age = std::chrono::duration_cast<std::chrono::seconds>(now - p.created).count();
        log::info(Subsystem::call, "--- Tag '{}'{}, created {}:{:02} ago for branch '{}'", p.tag,
                  p.label.empty() ? "" : " (label '" + p.label + "')", age / 60, age % 60,
                  p.viaBranch);
        for (const auto& legPtr : p.media) {
            const MediaLeg& leg = *legPtr;
            const auto& rt = *leg.runtime;
            log::info(Subsystem::call, "------ Media #{} ({} over {}) using {}", leg.index + 1,
                      leg.type, leg.protocol, leg.codec.empty() ? "unknown codec" : leg.codec);
            if (!leg.sockets) {
                continue;
            }
            for (int rtcp = 0; rtcp < 2; ++rtcp) {
                LegTraffic in = ingressTraffic(leg, rtcp != 0, kernel);
                const auto& out = rtcp ? rt.rtcpOut : rt.rtpOut;
                const auto& endpoint = rtcp ? leg.rtcpEndpoint : leg.rtpEndpoint;
                log::info(Subsystem::call,
                          "--------- Port {}:{} <> {}{}, SSRC {:x}, in {} p, {} b, {} e, out {} p, "
                          "{} b, {} e",
                          leg.sockets->address().local().toString(),
                          rtcp ? leg.sockets->rtcpPort() : leg.sockets->rtpPort(),
                          endpoint ? endpoint->toString() : "(unknown)", rtcp ? " (RTCP)" : "",
                          rt.ssrcCount.load() ? rt.ssrcs[0].ssrc.load() : 0, in.packets, in.bytes,
                          in.errors, out.packets.load(), out.bytes.load(), out.errors.load());
            }
        }
    }
}

}  // namespace rtprelay::call
