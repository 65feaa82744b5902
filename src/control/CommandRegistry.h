#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "control/Bencode.h"
#include "control/NgRequest.h"

namespace rtprelay::control {

// Handlers add their reply keys to `reply`; the processor appends `result` last, as
// rtpengine does. A handler that sets "result" itself (ping → pong) keeps it.
using CommandHandler = std::function<void(const NgRequest& request, bencode::Dict& reply)>;

// ng command name → handler. Subsystems register their commands at start; commands of
// capabilities not built yet answer with a clear error instead of "Unrecognized command".
class CommandRegistry {
public:
    void add(std::string name, CommandHandler handler);
    const CommandHandler* find(std::string_view name) const;

    // Every command name rtpengine knows (§2.3 of the reference), so a client learns that a
    // command exists but is not available yet rather than that it is unknown.
    static const std::vector<std::string_view>& rtpengineCommands();
    // Registers a "not supported yet" handler for each rtpengine command without a handler.
    void addPlaceholdersForMissing();

private:
    std::map<std::string, CommandHandler, std::less<>> handlers_;
};

}  // namespace rtprelay::control
