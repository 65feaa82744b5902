#include "call/CallStats.h"

#include <chrono>

#include "sdp/Direction.h"

namespace rtprelay::call {

using control::bencode::Dict;
using control::bencode::Value;

namespace {

int64_t seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Value endpointValue(const net::Endpoint& e) {
    Value v = Value::dict();
    v.set("family", e.address().isV4() ? "IPv4" : "IPv6");
    v.set("address", e.address().toString());
    v.set("port", static_cast<int64_t>(e.port()));
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
    void add(int kind, const StreamCounters& c) {
        packets[kind] += c.packets.load();
        bytes[kind] += c.bytes.load();
        errors[kind] += c.errors.load();
    }
};

Value streamValue(const MediaLeg& leg, bool rtcp, const Party& party) {
    Value s = Value::dict();
    const StreamCounters& counters = rtcp ? leg.rtcpIn : leg.rtpIn;
    if (leg.sockets) {
        s.set("local port", static_cast<int64_t>(rtcp && !leg.rtcpMux ? leg.sockets->rtcpPort()
                                                                      : leg.sockets->rtpPort()));
        s.set("local address", leg.sockets->address().local().toString());
        s.set("family", leg.sockets->address().local().isV4() ? "IPv4" : "IPv6");
    }
    const auto& endpoint = rtcp ? leg.rtcpEndpoint : leg.rtpEndpoint;
    if (endpoint) {
        s.set("endpoint", endpointValue(*endpoint));
        s.set("advertised endpoint", endpointValue(*endpoint));
    }
    int64_t last = counters.lastPacketUs.load() / 1000000;
    s.set("last packet", last);
    s.set("last kernel packet", int64_t{0});
    s.set("last user packet", last);
    Value flags = Value::list();
    flags.push(rtcp ? "RTCP" : "RTP");
    if (endpoint) {
        flags.push("filled");
    }
    if (party.strictSource) {
        flags.push("strict source address");
    }
    if (party.mediaHandover) {
        flags.push("media handover");
    }
    s.set("flags", std::move(flags));
    s.set("stats", countersValue(counters));
    return s;
}

Value partyValue(const Party& party, Totals& totals) {
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
        Value m = Value::dict();
        m.set("index", static_cast<int64_t>(leg.index + 1));
        m.set("type", leg.type);
        m.set("protocol", leg.protocol);
        if (!leg.codec.empty()) {
            m.set("codec", leg.codec);
        }
        Value streams = Value::list();
        streams.push(streamValue(leg, false, party));
        totals.add(0, leg.rtpIn);
        if (!leg.rtcpMux) {
            streams.push(streamValue(leg, true, party));
        }
        totals.add(1, leg.rtcpIn);
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
        medias.push(std::move(m));
    }
    p.set("medias", std::move(medias));
    return p;
}

}  // namespace

void addCallStats(const Call& call, Dict& reply, const Party* only) {
    auto created = call.created();
    auto createdUs =
        std::chrono::duration_cast<std::chrono::microseconds>(created.time_since_epoch()).count();
    reply.emplace_back("created", seconds(created));
    reply.emplace_back("created_us", static_cast<int64_t>(createdUs % 1000000));
    reply.emplace_back("created_ts", static_cast<int64_t>(createdUs));
    reply.emplace_back("last signal", seconds(call.lastSignalWall()));
    Totals totals;
    Value tags = Value::dict();
    for (const auto& party : call.parties()) {
        if (only && party.get() != only && party.get() != only->peer) {
            continue;
        }
        tags.set(party->tag, partyValue(*party, totals));
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

}  // namespace rtprelay::call
