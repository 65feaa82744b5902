#include "call/SignallingEngine.h"

#include <fmt/format.h>

#include <strings.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "call/CallFlagsParser.h"
#include "call/CallStats.h"
#include "call/LegTraffic.h"
#include "call/SdpRewriter.h"
#include "log/Log.h"
#include "sdp/Parser.h"
#include "sdp/StaticPayloadTypes.h"

namespace rtprelay::call {

using control::NgError;
using control::NgLoadLimit;
using control::bencode::Dict;
using control::bencode::Value;
using log::Subsystem;

namespace {

// Where a party wants to receive one media stream, from its SDP and the request's
// addressing flags.
struct RemoteEndpoints {
    std::optional<net::Endpoint> rtp;
    std::optional<net::Endpoint> rtcp;
};

RemoteEndpoints remoteEndpoints(const sdp::SessionDescription& sdp, size_t index,
                                const CallFlags& flags) {
    RemoteEndpoints out;
    const auto& m = sdp.media[index];
    std::optional<net::IpAddress> address;
    if (flags.mediaAddress) {
        address = net::IpAddress::parse(*flags.mediaAddress);
    }
    if (!address && !flags.trustAddress && flags.receivedFrom) {
        address = net::IpAddress::parse(*flags.receivedFrom);
    }
    if (!address) {
        if (const auto* c = sdp.effectiveConnection(index)) {
            address = c->ipAddress();
        }
    }
    if (!address) {
        return out;
    }
    out.rtp = net::Endpoint(*address, m.port);
    if (m.rtcp) {
        net::IpAddress rtcpAddress = *address;
        if (m.rtcp->connection) {
            if (auto a = m.rtcp->connection->ipAddress()) {
                rtcpAddress = *a;
            }
        }
        out.rtcp = net::Endpoint(rtcpAddress, m.rtcp->port);
    } else if (m.port != 0) {
        out.rtcp = net::Endpoint(*address, static_cast<uint16_t>(m.port + 1));
    }
    return out;
}

std::string joinWarnings(const std::vector<std::string>& warnings) {
    std::string out;
    for (const auto& w : warnings) {
        out += (out.empty() ? "" : "; ") + w;
    }
    return out;
}

void logUnknown(const CallFlags& flags) {
    for (const auto& u : flags.unknown) {
        log::warning(Subsystem::control, "Ignoring unknown {}", u);
    }
}

// What the kernel forwarded (and dropped) for one socket of a leg: earlier entries plus the
// installed one. Read apart from the userspace counters, which keep moving meanwhile.
void addKernelTraffic(media::RelayTotals& sum, const MediaLeg& leg, bool rtcp,
                      const media::KernelOffload* kernel) {
    size_t index = rtcp ? 1 : 0;
    const auto& done = leg.runtime->kernelDone[index];
    sum.packets += done.packets.load(std::memory_order_relaxed);
    sum.bytes += done.bytes.load(std::memory_order_relaxed);
    sum.errors += done.errors.load(std::memory_order_relaxed);
    int64_t slot = leg.runtime->kernelSlot[index].load(std::memory_order_acquire);
    if (slot >= 0 && kernel) {
        if (auto c = kernel->counters(static_cast<uint32_t>(slot))) {
            sum.packets += c->packets;
            sum.bytes += c->bytes;
            sum.errors += c->errors;
        }
    }
}

void addPartyTotals(SignallingEngine::MediaTotals& sum, const Party& party,
                    const media::KernelOffload* kernel) {
    for (const auto& leg : party.media) {
        addKernelTraffic(sum.kernel, *leg, false, kernel);
        addKernelTraffic(sum.kernel, *leg, true, kernel);
        sum.foreignSourceDrops += leg->runtime->foreignSourceDrops.load(std::memory_order_relaxed);
    }
}

}  // namespace

struct SignallingEngine::Roles {
    Party* sender = nullptr;    // the party whose SDP this request carries
    Party* receiver = nullptr;  // the party that gets the rewritten SDP
};

SignallingEngine::SignallingEngine(media::InterfaceRegistry& interfaces,
                                   const config::RuntimeSettings& runtime, int defaultTos,
                                   media::LearningMode defaultLearning, media::Relay* relay)
    : interfaces_(interfaces),
      runtime_(runtime),
      defaultTos_(defaultTos),
      defaultLearning_(defaultLearning),
      relay_(relay) {}

void SignallingEngine::registerCommands(control::CommandRegistry& commands) {
    commands.add("offer", [this](const control::NgRequest& r, Dict& reply) {
        offerOrAnswer(r, reply, true);
    });
    commands.add("answer", [this](const control::NgRequest& r, Dict& reply) {
        offerOrAnswer(r, reply, false);
    });
    commands.add("delete",
                 [this](const control::NgRequest& r, Dict& reply) { deleteCall(r, reply); });
    commands.add("query", [this](const control::NgRequest& r, Dict& reply) { query(r, reply); });
    commands.add("list", [this](const control::NgRequest& r, Dict& reply) { list(r, reply); });
    commands.add("block media",
                 [this](const control::NgRequest& r, Dict& reply) { blockMedia(r, reply, true); });
    commands.add("unblock media",
                 [this](const control::NgRequest& r, Dict& reply) { blockMedia(r, reply, false); });
}

const media::LogicalInterface* SignallingEngine::interfaceNamed(const std::string& name) const {
    if (name.empty()) {
        return nullptr;
    }
    if (const auto* i = interfaces_.find(name)) {
        return i;
    }
    // rtpengine's legacy direction keywords select the default interface when no interface
    // carries these names.
    if (name == "internal" || name == "external") {
        return &interfaces_.defaultInterface();
    }
    throw NgError(fmt::format("Unknown interface '{}'", name));
}

SignallingEngine::Roles SignallingEngine::findRoles(Call& call, const CallFlags& flags,
                                                    bool isOffer, std::vector<Party*>& created) {
    auto create = [&](std::string tag, std::string via) -> Party* {
        Party& p = call.addParty(std::move(tag), std::move(via));
        created.push_back(&p);
        return &p;
    };
    Roles roles;
    if (isOffer) {
        Party* a = call.findTag(flags.fromTag);
        if (!a) {
            a = create(flags.fromTag, {});
        }
        Party* b = nullptr;
        if (!flags.toTag.empty()) {
            b = call.findTag(flags.toTag);
            if (!b && a->peer && a->peer->tag.empty()) {
                b = a->peer;
                b->tag = flags.toTag;
            }
            if (!b) {
                b = create(flags.toTag, flags.viaBranch);
            }
        } else if (!flags.viaBranch.empty()) {
            b = call.findUntagged(flags.viaBranch);
            if (!b && a->peer && a->peer->viaBranch == flags.viaBranch) {
                b = a->peer;
            }
            if (!b && a->peer && a->peer->viaBranch.empty() && a->peer->tag.empty()) {
                // The first offer carried no via-branch; this one names the same branch.
                b = a->peer;
                b->viaBranch = flags.viaBranch;
            }
            if (!b) {
                b = create({}, flags.viaBranch);
            }
        } else {
            b = a->peer ? a->peer : call.findUntagged({});
            if (!b) {
                b = create({}, {});
            }
        }
        if (b == a) {
            throw NgError("Invalid dialogue association");
        }
        roles.sender = a;
        roles.receiver = b;
    } else {
        Party* a = call.findTag(flags.fromTag);
        if (!a) {
            throw NgError("Invalid dialogue association");
        }
        Party* b = call.findTag(flags.toTag);
        if (!b && !flags.viaBranch.empty()) {
            b = call.findUntagged(flags.viaBranch);
        }
        if (!b && a->peer && a->peer->tag.empty()) {
            b = a->peer;
        }
        if (!b) {
            for (const auto& p : call.parties()) {
                if (p->tag.empty() && p->peer == a) {
                    b = p.get();
                    break;
                }
            }
        }
        if (!b && a->peer) {
            // An answer with a to-tag never seen: another name for the callee (rtpengine's
            // default without `new branch`).
            b = a->peer;
            b->tagAliases.push_back(flags.toTag);
        }
        if (!b || b == a) {
            throw NgError("Invalid dialogue association");
        }
        if (b->tag.empty()) {
            b->tag = flags.toTag;
        }
        roles.sender = b;
        roles.receiver = a;
    }
    return roles;
}

void SignallingEngine::offerOrAnswer(const control::NgRequest& request, Dict& reply, bool isOffer) {
    CallFlags flags = parseCallFlags(request);
    logUnknown(flags);
    if (!flags.sdp) {
        throw NgError("No SDP body in message");
    }
    if (flags.callId.empty()) {
        throw NgError("No call-id in message");
    }
    if (flags.fromTag.empty()) {
        throw NgError("No from-tag in message");
    }
    if (!isOffer && flags.toTag.empty()) {
        throw NgError("No to-tag in message");
    }
    auto parsed = sdp::parse(*flags.sdp);
    if (!parsed) {
        log::warning(Subsystem::sdp, "Failed to parse SDP: {}", parsed.error().message);
        reply.emplace_back("warning", parsed.error().message);
        throw NgError("Failed to parse SDP");
    }
    const sdp::SessionDescription& sdp = parsed.value();
    for (size_t i = 0; i < sdp.media.size(); ++i) {
        if (sdp.media[i].isRejected()) {
            continue;
        }
        const auto* c = sdp.effectiveConnection(i);
        if (!c || !c->ipAddress()) {
            reply.emplace_back("warning",
                               fmt::format("media section {} has no connection address", i + 1));
            throw NgError("Incomplete SDP specification");
        }
    }

    std::lock_guard lock(calls_.mutex());
    Call* call = calls_.find(flags.callId);
    bool newCall = false;
    if (!call) {
        if (!isOffer) {
            throw NgError("Unknown call-id");
        }
        int maxSessions = runtime_.maxSessions.load();
        if (maxSessions >= 0 && calls_.size() >= static_cast<size_t>(maxSessions)) {
            calls_.countRejected();
            log::warning(Subsystem::call, "Parallel session limit ({}) reached", maxSessions);
            throw NgLoadLimit("Parallel session limit reached");
        }
        call = &calls_.create(flags.callId);
        call->createdFrom = request.peer().toString();
        newCall = true;
    }

    std::vector<Party*> created;
    auto rollback = [&] {
        if (newCall) {
            calls_.discard(flags.callId);
        } else {
            for (Party* p : created) {
                call->removeParty(*p);  // never relayed: no sockets to wait for
            }
        }
    };

    Roles roles;
    std::vector<std::unique_ptr<media::SocketPair>> senderSockets(sdp.media.size());
    std::vector<std::unique_ptr<media::SocketPair>> receiverSockets(sdp.media.size());
    const media::LogicalInterface* senderInterface = nullptr;
    const media::LogicalInterface* receiverInterface = nullptr;
    net::Family senderFamily = net::Family::ipv4;
    net::Family receiverFamily = net::Family::ipv4;
    try {
        roles = findRoles(*call, flags, isOffer, created);
        Party& s = *roles.sender;
        Party& r = *roles.receiver;

        // Interfaces: chosen by an offer (direction / from- and to-interface), kept after.
        senderInterface = s.interface;
        receiverInterface = r.interface;
        if (isOffer) {
            const std::string& fromName =
                !flags.direction.empty() ? flags.direction[0] : flags.interface;
            const std::string& toName =
                flags.direction.size() > 1 ? flags.direction[1] : flags.toInterface;
            if (const auto* i = interfaceNamed(fromName)) {
                senderInterface = i;
            }
            if (const auto* i = interfaceNamed(toName)) {
                receiverInterface = i;
            }
        }
        if (!senderInterface) {
            senderInterface = &interfaces_.defaultInterface();
        }
        if (!receiverInterface) {
            receiverInterface = &interfaces_.defaultInterface();
        }

        // Families: the sender's sockets match its own SDP; the receiver's follow
        // `address-family`, else what it had, else the sender's.
        senderFamily = s.family;
        for (size_t i = 0; i < sdp.media.size(); ++i) {
            if (const auto* c = sdp.effectiveConnection(i); c && c->ipAddress()) {
                senderFamily = c->ipAddress()->family();
                break;
            }
        }
        if (!senderInterface->hasFamily(senderFamily)) {
            senderFamily = senderInterface->addresses().front()->local().family();
        }
        if (flags.addressFamily == AddressFamilyChoice::ipv4) {
            receiverFamily = net::Family::ipv4;
        } else if (flags.addressFamily == AddressFamilyChoice::ipv6) {
            receiverFamily = net::Family::ipv6;
        } else if (r.interface && r.lastSdp) {
            receiverFamily = r.family;
        } else {
            receiverFamily = senderFamily;
        }
        if (!receiverInterface->hasFamily(receiverFamily)) {
            receiverFamily = receiverInterface->addresses().front()->local().family();
        }

        // Sockets: reuse what each side already has for the same media and address, so
        // re-INVITEs keep their ports; allocate the rest before changing any state.
        int tos = flags.tos.value_or(defaultTos_);
        auto need = [&](Party& p, size_t i, const media::LogicalInterface* iface, net::Family fam,
                        std::unique_ptr<media::SocketPair>& slot) {
            const auto& address = iface->addressFor(fam);
            if (i < p.media.size() && p.media[i]->sockets &&
                &p.media[i]->sockets->address() == address.get()) {
                return;
            }
            media::SocketPair::Failure failure{};
            slot = media::SocketPair::open(address, tos, &failure);
            if (slot) {
                return;
            }
            // Kamailio and OpenSIPS fail over to the next rtpengine on exactly "Ran out of
            // ports", which is what a daemon at its file limit needs too; `warning` says why.
            if (failure == media::SocketPair::Failure::fileLimit) {
                rlimit limit{};
                getrlimit(RLIMIT_NOFILE, &limit);
                std::string why = fmt::format(
                    "Open file limit reached (RLIMIT_NOFILE {}): no socket for a new port",
                    limit.rlim_cur);
                if (uint64_t heldBack = 0; fileLimitRefusals_.admit(heldBack)) {
                    log::error(Subsystem::call, "{}; {} request(s) refused since the last report",
                               why, heldBack + 1);
                }
                reply.emplace_back("warning", why);
            } else if (uint64_t heldBack = 0; portRefusals_.admit(heldBack)) {
                log::error(Subsystem::call,
                           "Ran out of ports on {} ({}..{}); {} request(s) refused since the last "
                           "report",
                           address->local().toString(), address->ports().portMin(),
                           address->ports().portMax(), heldBack + 1);
            }
            throw NgError("Ran out of ports");
        };
        for (size_t i = 0; i < sdp.media.size(); ++i) {
            if (sdp.media[i].isRejected()) {
                continue;
            }
            need(s, i, senderInterface, senderFamily, senderSockets[i]);
            need(r, i, receiverInterface, receiverFamily, receiverSockets[i]);
        }
    } catch (...) {
        rollback();
        throw;
    }

    // Commit. Sockets replaced by new ones stay open until the relay has let go of them.
    std::vector<std::unique_ptr<media::SocketPair>> retired;
    Party& s = *roles.sender;
    Party& r = *roles.receiver;
    if (newCall) {
        s.offerer = true;
    }
    s.learning = defaultLearning_;
    if (flags.endpointLearning) {
        const std::string& mode = *flags.endpointLearning;
        s.learning = mode == "off"         ? media::LearningMode::off
                     : mode == "immediate" ? media::LearningMode::immediate
                     : mode == "delayed"   ? media::LearningMode::delayed
                                           : media::LearningMode::heuristic;
    }
    s.peer = &r;
    r.peer = &s;
    s.interface = senderInterface;
    s.family = senderFamily;
    r.interface = receiverInterface;
    r.family = receiverFamily;
    if (!flags.label.empty()) {
        s.label = flags.label;
    }
    if (isOffer && flags.tos) {
        s.tos = r.tos = call->tos = *flags.tos;
    }
    s.strictSource = flags.strictSource;
    s.mediaHandover = flags.mediaHandover;
    s.asymmetric = flags.asymmetric;
    bool muxOffer = flags.rtcpMux.count("offer") || flags.rtcpMux.count("require");
    bool muxDemux = flags.rtcpMux.count("demux") != 0;
    bool muxAccept = flags.rtcpMux.count("accept") || flags.rtcpMux.count("require") || muxDemux;
    bool muxReject = flags.rtcpMux.count("reject") != 0;

    for (size_t i = 0; i < sdp.media.size(); ++i) {
        const auto& m = sdp.media[i];
        MediaLeg& sl = s.leg(i);
        MediaLeg& rl = r.leg(i);
        for (MediaLeg* l : {&sl, &rl}) {
            l->type = m.type;
            l->protocol = m.protocol;
            l->rejected = m.isRejected();
        }
        if (senderSockets[i]) {
            retired.push_back(std::move(sl.sockets));
            sl.sockets = std::move(senderSockets[i]);
        }
        if (receiverSockets[i]) {
            retired.push_back(std::move(rl.sockets));
            rl.sockets = std::move(receiverSockets[i]);
        }
        auto endpoints = remoteEndpoints(sdp, i, flags);
        sl.hasRemote = !m.isRejected();
        sl.rtpEndpoint = endpoints.rtp;
        sl.rtcpEndpoint = endpoints.rtcp;
        sl.offeredMux = m.rtcpMux;
        sl.direction = sdp.effectiveDirection(i);
        sl.codec = firstCodecName(m);
        if (isOffer) {
            sl.acceptMux = muxAccept;
            sl.rejectMux = muxReject;
            rl.muxOfferedToParty = (m.rtcpMux && !muxReject && !muxDemux) || muxOffer;
            sl.rtcpMux = false;
        } else {
            sl.rtcpMux = m.rtcpMux && sl.muxOfferedToParty;
            rl.rtcpMux =
                rl.offeredMux && !rl.rejectMux && (sl.rtcpMux || rl.acceptMux || muxAccept);
        }
        for (MediaLeg* l : {&sl, &rl}) {
            if (!l->sockets || l->rtcpMux) {
                continue;
            }
            // Demuxing after rtcp-mux needs the RTCP port bound again; the pair kept it
            // reserved, but the file limit can still refuse the socket.
            if (int rc = l->sockets->reopenRtcp(); rc < 0) {
                log::warning(Subsystem::call,
                             "Cannot open RTCP port {} on {} again ({}): this stream's RTCP is "
                             "not relayed",
                             l->sockets->rtcpPort(), l->sockets->address().local().toString(),
                             std::strerror(-rc));
            }
        }
    }
    s.lastSdp = sdp;
    call->touch();
    call->deleteAt.reset();
    call->partyDeletions.clear();
    updateRelay(*call);
    retired.clear();
    // With rtcp-mux one port per stream stays bound; the RTCP one is closed only now that the
    // relay no longer listens on it.
    for (auto* party : {&s, &r}) {
        for (auto& leg : party->media) {
            if (leg->sockets && leg->rtcpMux && leg->sockets->rtcpOpen()) {
                leg->sockets->closeRtcp();
            }
        }
    }

    std::vector<std::string> warnings;
    SdpRewriter rewriter(flags, isOffer);
    std::string out = rewriter.rewrite(sdp, r, warnings);
    reply.emplace_back("sdp", std::move(out));
    if (!warnings.empty()) {
        std::string text = joinWarnings(warnings);
        log::info(Subsystem::call, "{}", text);
        reply.emplace_back("warning", std::move(text));
    }
}

void SignallingEngine::removeParty(Call& call, Party& party) {
    Party* peer = party.peer;
    std::unique_ptr<Party> removed = call.removeParty(party);
    if (peer && !peer->peer) {
        // The other side falls back to a fork still talking to it, if any.
        for (const auto& p : call.parties()) {
            if (p->peer == peer) {
                peer->peer = p.get();
                break;
            }
        }
    }
    updateRelay(call);
    if (removed) {
        countEnded(*removed);
    }
}

void SignallingEngine::deleteCall(const control::NgRequest& request, Dict& reply) {
    CallFlags flags = parseCallFlags(request);
    logUnknown(flags);
    if (flags.callId.empty()) {
        throw NgError("No call-id in message");
    }
    std::lock_guard lock(calls_.mutex());
    Call* call = calls_.find(flags.callId);
    auto notFound = [&] {
        log::info(Subsystem::call, "Call-ID not found or tags didn't match, nothing to delete");
        if (flags.fatal) {
            throw NgError("Call-ID not found or tags didn't match");
        }
        reply.emplace_back("warning", "Call-ID not found or tags didn't match");
    };
    if (!call) {
        notFound();
        return;
    }
    int64_t delay = flags.deleteDelay && *flags.deleteDelay >= 0 ? *flags.deleteDelay
                                                                 : runtime_.deleteDelay.load();

    Party* target = nullptr;
    bool whole = flags.fromTag.empty();
    if (!whole) {
        std::string tag = flags.toTagFlag && !flags.toTag.empty() ? flags.toTag : flags.fromTag;
        if (!flags.viaBranch.empty() && !(flags.toTagFlag && !flags.toTag.empty())) {
            for (const auto& p : call->parties()) {
                if (p->viaBranch == flags.viaBranch && p->tag.empty()) {
                    target = p.get();
                }
            }
        }
        if (!target) {
            target = call->findTag(tag);
        }
        if (!target) {
            notFound();
            return;
        }
        // The call survives when another pair of parties still talks without the target.
        whole = true;
        for (const auto& p : call->parties()) {
            if (p.get() != target && p->peer && p->peer != target) {
                whole = false;
            }
        }
    }

    if (!flags.fast) {
        addCallStats(*call, reply, nullptr, kernel());
    }
    if (whole) {
        if (delay == 0) {
            log::info(Subsystem::call, "Deleting entire call");
            destroyCall(flags.callId, Teardown::regular);
        } else {
            log::info(Subsystem::call, "Scheduling deletion of entire call in {} seconds", delay);
            call->deleteAt = std::chrono::steady_clock::now() + std::chrono::seconds(delay);
            call->recheckTimeoutsAt(0);
        }
        return;
    }
    if (delay == 0) {
        log::info(Subsystem::call, "Deleting call branch '{}' (via-branch '{}')", target->tag,
                  target->viaBranch);
        removeParty(*call, *target);
    } else {
        log::info(Subsystem::call,
                  "Scheduling deletion of call branch '{}' (via-branch '{}') in {} seconds",
                  target->tag, target->viaBranch, delay);
        call->partyDeletions.emplace_back(
            target, std::chrono::steady_clock::now() + std::chrono::seconds(delay));
        call->recheckTimeoutsAt(0);
    }
}

Call& SignallingEngine::existingCall(const CallFlags& flags) {
    if (flags.callId.empty()) {
        throw NgError("No call-id in message");
    }
    Call* call = calls_.find(flags.callId);
    if (!call) {
        throw NgError("Unknown call-id");
    }
    return *call;
}

void SignallingEngine::query(const control::NgRequest& request, Dict& reply) {
    CallFlags flags = parseCallFlags(request);
    std::lock_guard lock(calls_.mutex());
    Call* call = &existingCall(flags);
    const Party* only = flags.fromTag.empty() ? nullptr : call->findTag(flags.fromTag);
    addCallStats(*call, reply, only, kernel());
}

void SignallingEngine::list(const control::NgRequest& request, Dict& reply) {
    CallFlags flags = parseCallFlags(request);
    int64_t limit = flags.limit.value_or(32);
    if (limit < 0) {
        limit = 32;
    }
    std::lock_guard lock(calls_.mutex());
    Value ids = Value::list();
    for (auto& id : calls_.callIds(static_cast<size_t>(limit))) {
        ids.push(std::move(id));
    }
    reply.emplace_back("calls", std::move(ids));
}

SignallingEngine::TimeoutCheck SignallingEngine::timedOut(const Call& call, int64_t nowUs) const {
    // rtpengine's classes (reference §6.2): a stream whose sender announced it will not send
    // is "silent"; one whose sender never sent SDP is "offer"; the rest are "normal". The call
    // lives while a normal or offer stream is within its limit, or, having no normal stream,
    // while a silent one is. Signalling counts as activity.
    int64_t signalUs = std::chrono::duration_cast<std::chrono::microseconds>(
                           call.lastSignalWall().time_since_epoch())
                           .count();
    auto limitUs = [](int seconds) { return static_cast<int64_t>(seconds) * 1000000; };
    if (!call.established()) {
        // Unanswered calls are governed by offer-timeout alone (reference §10 item 12): media
        // of the offerer has nowhere to go yet, so its silence says nothing.
        int64_t until = signalUs + limitUs(runtime_.offerTimeout.load());
        if (nowUs >= until) {
            return {Teardown::offerTimeout, 0};
        }
        return {std::nullopt, until};
    }
    bool anyNormal = false;
    std::optional<Teardown> reason;
    // Until when the normal and offer streams, and the silent ones, keep the call alive.
    int64_t keptUntil = 0;
    int64_t silentUntil = 0;
    for (const auto& party : call.parties()) {
        for (const auto& leg : party->media) {
            if (leg->rejected || !leg->sockets) {
                continue;
            }
            // Kernel-forwarded media counts as activity as much as userspace media.
            int64_t last =
                std::max({ingressTraffic(*leg, false, kernel()).lastPacketUs(),
                          ingressTraffic(*leg, true, kernel()).lastPacketUs(), signalUs});
            if (!leg->hasRemote) {
                reason = Teardown::offerTimeout;
                keptUntil = std::max(keptUntil, last + limitUs(runtime_.offerTimeout.load()));
            } else if (leg->direction == sdp::Direction::recvonly ||
                       leg->direction == sdp::Direction::inactive) {
                reason = reason.value_or(Teardown::silentTimeout);
                silentUntil = std::max(silentUntil, last + limitUs(runtime_.silentTimeout.load()));
            } else {
                anyNormal = true;
                reason = Teardown::timeout;
                keptUntil = std::max(keptUntil, last + limitUs(runtime_.timeout.load()));
            }
        }
    }
    if (!reason) {
        return {std::nullopt, 0};  // no stream: only signalling changes that
    }
    // Silent streams count only in a call without a normal one.
    const int64_t until = anyNormal ? keptUntil : std::max(keptUntil, silentUntil);
    if (nowUs < until) {
        return {std::nullopt, until};
    }
    return {reason, 0};
}

void SignallingEngine::tick() {
    auto now = std::chrono::steady_clock::now();
    int64_t nowUs = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    std::lock_guard lock(calls_.mutex());
    // A call is looked at when it could have run out of media (or reached final-timeout)
    // since, at the latest every kTimeoutRecheckLimit, and every time the limits change.
    const int finalTimeout = runtime_.finalTimeout.load();
    const std::array<int, 4> limits{runtime_.timeout.load(), runtime_.silentTimeout.load(),
                                    runtime_.offerTimeout.load(), finalTimeout};
    if (limits != timeoutLimitsSeen_) {
        calls_.timeoutSchedule().setAll(0);
        timeoutLimitsSeen_ = limits;
    }
    std::vector<Call*> due;
    calls_.timeoutSchedule().collectDue(nowUs, due);
    std::vector<std::pair<std::string, Teardown>> ending;
    for (size_t position = 0; position < due.size(); ++position) {
        Call* call = due[position];
        const std::string& id = call->callId();
        log::CallScope scope(id);
        const int64_t createdUs = std::chrono::duration_cast<std::chrono::microseconds>(
                                      call->created().time_since_epoch())
                                      .count();
        const int64_t finalUs =
            finalTimeout > 0 ? createdUs + static_cast<int64_t>(finalTimeout) * 1000000 : INT64_MAX;
        if (nowUs >= finalUs) {
            log::info(Subsystem::call, "Closing call due to final timeout");
            ending.emplace_back(id, Teardown::finalTimeout);
            continue;
        }
        if (call->deleteAt && now >= *call->deleteAt) {
            log::info(Subsystem::call, "Deleting entire call after delete-delay");
            ending.emplace_back(id, Teardown::regular);
            continue;
        }
        for (size_t i = 0; i < call->partyDeletions.size();) {
            auto [party, at] = call->partyDeletions[i];
            if (now >= at) {
                log::info(Subsystem::call, "Deleting call branch '{}' after delete-delay",
                          party->tag);
                removeParty(*call, *party);  // also drops the entry
                continue;
            }
            ++i;
        }
        if (call->deleteAt || !call->partyDeletions.empty()) {
            call->recheckTimeoutsAt(0);  // looked at every tick until the deletion is done
            continue;                    // a scheduled deletion postpones timeouts
        }
        auto check = timedOut(*call, nowUs);
        if (auto reason = check.reason) {
            log::info(Subsystem::call, "Closing call due to timeout ({})",
                      *reason == Teardown::offerTimeout    ? "offer-timeout"
                      : *reason == Teardown::silentTimeout ? "silent-timeout"
                                                           : "timeout");
            ending.emplace_back(id, *reason);
            continue;
        }
        // Calls set up together would be looked at together again at every limit: one long
        // hold of the registry's lock, which ng commands wait for. Spread over its last part.
        const int64_t spreadUs =
            static_cast<int64_t>(position % kTimeoutRecheckSpreadSeconds) * 1000000;
        int64_t next =
            nowUs +
            std::chrono::duration_cast<std::chrono::microseconds>(kTimeoutRecheckLimit).count() -
            spreadUs;
        if (check.recheckUs != 0) {
            next = std::min(next, check.recheckUs);
        }
        call->recheckTimeoutsAt(std::min(next, finalUs));
    }
    for (const auto& [id, reason] : ending) {
        log::CallScope scope(id);
        destroyCall(id, reason);
    }
}

void SignallingEngine::terminateAll(Teardown reason) {
    std::lock_guard lock(calls_.mutex());
    std::vector<std::string> ids;
    for (const auto& [id, call] : calls_.calls()) {
        ids.push_back(id);
    }
    for (const auto& id : ids) {
        log::CallScope scope(id);
        destroyCall(id, reason);
    }
}

void SignallingEngine::destroyCall(const std::string& callId, Teardown reason) {
    Call* call = calls_.find(callId);
    if (!call) {
        return;
    }
    if (relay_) {
        relay_->removeCall(call->key());
    }
    auto now = std::chrono::system_clock::now();
    for (const auto& p : call->parties()) {
        p->ended = now;
    }
    logFinalStats(*call, kernel());
    if (log::cdrEnabled()) {
        log::cdr(cdrLine(*call, reason, kernel()));
    }
    for (const auto& p : call->parties()) {
        countEnded(*p);
    }
    calls_.destroy(callId, reason);
}

std::bitset<128> SignallingEngine::kernelPayloadTypes(const Party& a, const Party& b,
                                                      size_t index) {
    // Every payload type goes through the kernel except RFC 4733 events, which userspace
    // handles (rtpengine: DTMF is never kernelized). Both sides' numbering counts.
    std::bitset<128> types;
    types.set();
    for (const Party* p : {&a, &b}) {
        if (!p->lastSdp || index >= p->lastSdp->media.size()) {
            continue;
        }
        const auto& media = p->lastSdp->media[index];
        for (const auto& format : media.formats) {
            auto map = media.effectiveRtpMap(format);
            auto pt = sdp::parsePayloadType(format);
            if (map && pt && strcasecmp(map->encoding.c_str(), "telephone-event") == 0) {
                types.reset(*pt);
            }
        }
    }
    return types;
}

const media::KernelOffload* SignallingEngine::kernel() const {
    return relay_ ? relay_->kernelOffload() : nullptr;
}

void SignallingEngine::updateRelay(Call& call) {
    if (!relay_) {
        return;
    }
    std::vector<media::SocketRoute> routes;
    for (const auto& partyPtr : call.parties()) {
        Party& p = *partyPtr;
        for (size_t i = 0; i < p.media.size(); ++i) {
            MediaLeg& leg = *p.media[i];
            if (!leg.sockets) {
                continue;
            }
            MediaLeg* peerLeg =
                (p.peer && i < p.peer->media.size()) ? p.peer->media[i].get() : nullptr;
            for (int rtcp = 0; rtcp < 2; ++rtcp) {
                int fd = rtcp ? leg.sockets->rtcpFd() : leg.sockets->rtpFd();
                if (fd < 0 || (rtcp && leg.rtcpMux)) {
                    continue;
                }
                media::SocketRoute route;
                route.fd = fd;
                route.rtcpSocket = rtcp != 0;
                route.ingress = leg.runtime;
                route.blocked = call.blocked || p.blocked || leg.rejected;
                route.learning.mode = p.learning;
                route.learning.expected = rtcp ? leg.rtcpEndpoint : leg.rtpEndpoint;
                route.learning.strictSource = p.strictSource;
                route.learning.mediaHandover = p.mediaHandover;
                const auto& local = leg.sockets->address().local();
                route.local =
                    net::Endpoint(local, rtcp ? leg.sockets->rtcpPort() : leg.sockets->rtpPort());
                route.tos = call.tos > 0 ? call.tos : defaultTos_;
                if (peerLeg && peerLeg->sockets && !peerLeg->rejected) {
                    const auto& peerLocal = peerLeg->sockets->address().local();
                    route.outRtpLocal = net::Endpoint(peerLocal, peerLeg->sockets->rtpPort());
                    route.outRtcpLocal = net::Endpoint(peerLocal, peerLeg->sockets->rtcpPort());
                    route.kernelCandidate = !route.blocked;
                    route.kernelPayloadTypes = kernelPayloadTypes(p, *p.peer, i);
                    route.egress = peerLeg->runtime;
                    route.outRtpFd = peerLeg->sockets->rtpFd();
                    route.outRtcpFd = peerLeg->sockets->rtcpFd();
                    if (peerLeg->hasRemote) {
                        route.destRtp = peerLeg->rtpEndpoint;
                        route.destRtcp = peerLeg->rtcpEndpoint;
                    }
                    route.egressMux = peerLeg->rtcpMux;
                    route.egressAsymmetric = p.peer->asymmetric;
                }
                routes.push_back(std::move(route));
            }
        }
    }
    relay_->setRoutes(call.key(), std::move(routes));
}

void SignallingEngine::blockMedia(const control::NgRequest& request, Dict& reply, bool block) {
    (void)reply;
    CallFlags flags = parseCallFlags(request);
    std::lock_guard lock(calls_.mutex());
    Call* call = &existingCall(flags);
    if (flags.fromTag.empty()) {
        call->blocked = block;
        for (const auto& p : call->parties()) {
            p->blocked = false;
        }
    } else {
        Party* party = call->findTag(flags.fromTag);
        if (!party) {
            throw NgError("Unknown from-tag");
        }
        party->blocked = block;
    }
    log::info(Subsystem::call, "{} media{}", block ? "Blocking" : "Unblocking",
              flags.fromTag.empty() ? std::string(" of the whole call")
                                    : " from party '" + flags.fromTag + "'");
    updateRelay(*call);
}

void SignallingEngine::addStatistics(Value& statistics) {
    std::lock_guard lock(calls_.mutex());
    Value current = Value::dict();
    current.set("sessionsown", static_cast<int64_t>(calls_.size()));
    current.set("sessionsforeign", int64_t{0});
    current.set("sessionstotal", static_cast<int64_t>(calls_.size()));
    statistics.set("currentstatistics", std::move(current));

    Value total =
        statistics.find("totalstatistics") ? *statistics.find("totalstatistics") : Value::dict();
    total.set("managedsessions", static_cast<int64_t>(calls_.managedSessions()));
    total.set("rejectedsessions", static_cast<int64_t>(calls_.rejectedSessions()));
    total.set("timeoutsessions", static_cast<int64_t>(calls_.closed(Teardown::timeout)));
    total.set("silenttimeoutsessions",
              static_cast<int64_t>(calls_.closed(Teardown::silentTimeout)));
    total.set("finaltimeoutsessions", static_cast<int64_t>(calls_.closed(Teardown::finalTimeout)));
    total.set("offertimeoutsessions", static_cast<int64_t>(calls_.closed(Teardown::offerTimeout)));
    total.set("regularterminatedsessions", static_cast<int64_t>(calls_.closed(Teardown::regular)));
    total.set("forcedterminatedsessions", static_cast<int64_t>(calls_.closed(Teardown::forced)));
    if (relay_) {
        auto media = mediaTotalsLocked();
        const auto& user = media.userspace;
        const auto& kernel = media.kernel;
        total.set("relayedpackets", static_cast<int64_t>(user.packets + kernel.packets));
        total.set("relayedpackets_user", static_cast<int64_t>(user.packets));
        total.set("relayedpackets_kernel", static_cast<int64_t>(kernel.packets));
        total.set("relayedbytes", static_cast<int64_t>(user.bytes + kernel.bytes));
        total.set("relayedbytes_user", static_cast<int64_t>(user.bytes));
        total.set("relayedbytes_kernel", static_cast<int64_t>(kernel.bytes));
        total.set("relayedpacketerrors", static_cast<int64_t>(user.errors + kernel.errors));
        total.set("relayedpacketerrors_user", static_cast<int64_t>(user.errors));
        total.set("relayedpacketerrors_kernel", static_cast<int64_t>(kernel.errors));
        total.set("foreignsourcedrops", static_cast<int64_t>(media.foreignSourceDrops));
    }
    statistics.set("totalstatistics", std::move(total));

    Value list = Value::list();
    for (const auto& iface : interfaces_.all()) {
        for (const auto& address : iface->addresses()) {
            const auto& pool = address->ports();
            Value entry = Value::dict();
            entry.set("name", iface->name());
            entry.set("address", address->local().toString());
            Value ports = Value::dict();
            ports.set("min", static_cast<int64_t>(pool.portMin()));
            ports.set("max", static_cast<int64_t>(pool.portMax()));
            ports.set("used", static_cast<int64_t>(pool.usedPorts()));
            ports.set("free", static_cast<int64_t>(pool.freePairs() * 2));
            ports.set("totals", static_cast<int64_t>(pool.totalPairs() * 2));
            entry.set("ports", std::move(ports));
            list.push(std::move(entry));
        }
    }
    statistics.set("interfaces", std::move(list));
}

void SignallingEngine::countEnded(const Party& party) {
    addPartyTotals(ended_, party, kernel());
}

SignallingEngine::MediaTotals SignallingEngine::mediaTotalsLocked() const {
    MediaTotals sum = ended_;
    if (relay_) {
        sum.userspace = relay_->totals();
    }
    for (const auto& [id, call] : calls_.calls()) {
        for (const auto& party : call->parties()) {
            addPartyTotals(sum, *party, kernel());
        }
    }
    return sum;
}

media::RelayTotals SignallingEngine::userspaceTotals() const {
    return relay_ ? relay_->totals() : media::RelayTotals{};
}

SignallingEngine::MediaTotals SignallingEngine::mediaTotals() {
    std::lock_guard lock(calls_.mutex());
    return mediaTotalsLocked();
}

SignallingEngine::SessionCounts SignallingEngine::sessionCounts() {
    std::lock_guard lock(calls_.mutex());
    SessionCounts counts;
    counts.sessions = calls_.size();
    for (const auto& [id, call] : calls_.calls()) {
        bool v4 = false;
        bool v6 = false;
        for (const auto& party : call->parties()) {
            for (const auto& leg : party->media) {
                if (!leg->sockets) {
                    continue;
                }
                (leg->sockets->address().local().isV4() ? v4 : v6) = true;
                const auto& rt = *leg->runtime;
                bool user = rt.rtpIn.packets.load(std::memory_order_relaxed) > 0;
                bool inKernel = rt.kernelSlot[0].load(std::memory_order_relaxed) >= 0 ||
                                rt.kernelDone[0].packets.load(std::memory_order_relaxed) > 0;
                if (inKernel) {
                    ++(user ? counts.streamsMixed : counts.streamsKernel);
                } else {
                    ++counts.streamsUserspace;
                }
            }
        }
        if (v4 && v6) {
            ++counts.mixed;
        } else if (v6) {
            ++counts.ipv6;
        } else if (v4) {
            ++counts.ipv4;
        }
    }
    counts.managed = calls_.managedSessions();
    counts.rejected = calls_.rejectedSessions();
    for (size_t i = 0; i < counts.closed.size(); ++i) {
        counts.closed[i] = calls_.closed(static_cast<Teardown>(i));
    }
    return counts;
}

void SignallingEngine::inspectCalls(const CallVisitor& visit) {
    std::lock_guard lock(calls_.mutex());
    for (const auto& [id, call] : calls_.calls()) {
        visit(*call, kernel());
    }
}

bool SignallingEngine::inspectCall(const std::string& callId, const CallVisitor& visit) {
    std::lock_guard lock(calls_.mutex());
    const Call* call = calls_.find(callId);
    if (!call) {
        return false;
    }
    visit(*call, kernel());
    return true;
}

bool SignallingEngine::terminate(const std::string& callId, Teardown reason) {
    std::lock_guard lock(calls_.mutex());
    if (!calls_.find(callId)) {
        return false;
    }
    log::CallScope scope(callId);
    log::info(Subsystem::call, "Call terminated by operator");
    destroyCall(callId, reason);
    return true;
}

}  // namespace rtprelay::call
