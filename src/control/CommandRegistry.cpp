#include "control/CommandRegistry.h"

#include <fmt/format.h>

namespace rtprelay::control {

void CommandRegistry::add(std::string name, CommandHandler handler) {
    handlers_[std::move(name)] = std::move(handler);
}

const CommandHandler* CommandRegistry::find(std::string_view name) const {
    auto it = handlers_.find(name);
    return it == handlers_.end() ? nullptr : &it->second;
}

const std::vector<std::string_view>& CommandRegistry::rtpengineCommands() {
    static const std::vector<std::string_view> names = {
        "ping",
        "offer",
        "answer",
        "delete",
        "query",
        "list",
        "statistics",
        "start recording",
        "stop recording",
        "pause recording",
        "block DTMF",
        "unblock DTMF",
        "block media",
        "unblock media",
        "silence media",
        "unsilence media",
        "start forwarding",
        "stop forwarding",
        "play media",
        "stop media",
        "play DTMF",
        "publish",
        "subscribe request",
        "subscribe answer",
        "unsubscribe",
        "connect",
        "create",
        "create answer",
        "mesh",
        "inject start",
        "inject stop",
        "transform",
        "cli",
        "CLI",
    };
    return names;
}

void CommandRegistry::addPlaceholdersForMissing() {
    for (auto name : rtpengineCommands()) {
        if (find(name)) {
            continue;
        }
        std::string command(name);
        add(command, [command](const NgRequest&, bencode::Dict&) {
            throw NgError(fmt::format("Command '{}' is not supported yet", command));
        });
    }
}

}  // namespace rtprelay::control
