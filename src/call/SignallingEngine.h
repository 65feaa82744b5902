#pragma once

#include <string>
#include <vector>

#include "call/CallFlags.h"
#include "call/CallRegistry.h"
#include "config/RuntimeSettings.h"
#include "control/CommandRegistry.h"
#include "media/LocalInterface.h"
#include "sdp/SessionDescription.h"

namespace rtprelay::call {

// The ng signalling commands (offer, answer, delete, query, list) on the call model, and the
// timer that ends calls nobody deletes.
class SignallingEngine {
public:
    SignallingEngine(media::InterfaceRegistry& interfaces, const config::RuntimeSettings& runtime,
                     int defaultTos);

    void registerCommands(control::CommandRegistry& commands);
    // Runs once a second: delete-delay expiry, offer-timeout, final-timeout.
    void tick();

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

    Roles findRoles(Call& call, const CallFlags& flags, bool isOffer, std::vector<Party*>& created);
    const media::LogicalInterface* interfaceNamed(const std::string& name) const;
    void removeParty(Call& call, Party& party);

    media::InterfaceRegistry& interfaces_;
    const config::RuntimeSettings& runtime_;
    int defaultTos_;
    CallRegistry calls_;
};

}  // namespace rtprelay::call
