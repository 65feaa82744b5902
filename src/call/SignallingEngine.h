#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <vector>

#include "call/CallFlags.h"
#include "call/CallRegistry.h"
#include "config/RuntimeSettings.h"
#include "control/CommandRegistry.h"
#include "media/EndpointLearner.h"
#include "media/LocalInterface.h"
#include "media/Relay.h"
#include "sdp/SessionDescription.h"

namespace rtprelay::call {

// The ng signalling commands (offer, answer, delete, query, list) on the call model, and the
// timer that ends calls nobody deletes.
class SignallingEngine {
public:
    // `relay` may be null (no media is relayed, e.g. in the request-path fuzzer).
    SignallingEngine(media::InterfaceRegistry& interfaces, const config::RuntimeSettings& runtime,
                     int defaultTos, media::LearningMode defaultLearning, media::Relay* relay);

    void registerCommands(control::CommandRegistry& commands);
    // Runs once a second: delete-delay expiry and the timeouts (timeout, silent-timeout,
    // offer-timeout, final-timeout).
    void tick();
    // Ends every call (daemon shutdown), with CDRs.
    void terminateAll(Teardown reason);

    CallRegistry& calls() { return calls_; }
    // `currentstatistics` / `totalstatistics` / `interfaces` parts of ng `statistics`.
    void addStatistics(control::bencode::Value& statistics);

private:
    struct Roles;

    void offerOrAnswer(const control::NgRequest& request, control::bencode::Dict& reply,
                       bool isOffer);
    void deleteCall(const control::NgRequest& request, control::bencode::Dict& reply);
    void query(const control::NgRequest& request, control::bencode::Dict& reply);
    void list(const control::NgRequest& request, control::bencode::Dict& reply);
    void blockMedia(const control::NgRequest& request, control::bencode::Dict& reply, bool block);

    Roles findRoles(Call& call, const CallFlags& flags, bool isOffer, std::vector<Party*>& created);
    const media::LogicalInterface* interfaceNamed(const std::string& name) const;
    void removeParty(Call& call, Party& party);
    static std::bitset<128> kernelPayloadTypes(const Party& a, const Party& b, size_t index);
    const media::KernelOffload* kernel() const;
    // Tells the relay where every socket of the call forwards to now.
    void updateRelay(Call& call);
    // Relay, CDR and final stats, then the call and its sockets are gone.
    void destroyCall(const std::string& callId, Teardown reason);
    // Why the call must end now, if it must (timeouts).
    std::optional<Teardown> timedOut(const Call& call, int64_t nowUs) const;

    media::InterfaceRegistry& interfaces_;
    const config::RuntimeSettings& runtime_;
    int defaultTos_;
    media::LearningMode defaultLearning_;
    media::Relay* relay_;
    CallRegistry calls_;
};

}  // namespace rtprelay::call
