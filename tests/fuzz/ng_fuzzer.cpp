// The whole ng request path on arbitrary datagrams: cookie split, retransmission cache,
// bencode decode, dispatch, flag parsing, SDP parsing and rewriting, call state and port
// allocation. Calls are torn down after every input so ports never run out.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "call/SignallingEngine.h"
#include "config/RuntimeSettings.h"
#include "control/CommandRegistry.h"
#include "control/ControlStatistics.h"
#include "control/CookieCache.h"
#include "control/NgProcessor.h"
#include "media/LocalInterface.h"

using namespace rtprelay;

namespace {

struct World {
    World() {
        config::InterfaceAddress address;
        address.local = *net::IpAddress::parse("127.0.0.1");
        address.advertised = address.local;
        interfaces = std::make_unique<media::InterfaceRegistry>(
            std::vector<config::InterfaceAddress>{address}, 51000, 51199,
            std::vector<net::Endpoint>{});
        engine = std::make_unique<call::SignallingEngine>(*interfaces, runtime, 0,
                                                          media::LearningMode::heuristic, nullptr);
        commands.add("ping", [](const control::NgRequest&, control::bencode::Dict& reply) {
            reply.emplace_back("result", "pong");
        });
        engine->registerCommands(commands);
        commands.addPlaceholdersForMissing();
    }

    config::RuntimeSettings runtime;
    std::unique_ptr<media::InterfaceRegistry> interfaces;
    std::unique_ptr<call::SignallingEngine> engine;
    control::CommandRegistry commands;
    control::ControlStatistics stats;
};

World& world() {
    static World w;
    return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    World& w = world();
    control::CookieCache cache;
    control::NgProcessor processor(w.commands, cache, w.stats);
    net::Endpoint peer(*net::IpAddress::parse("192.0.2.1"), 5060);
    // One input may hold several datagrams separated by NUL bytes (offer then answer ...).
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    for (int i = 0; i < 8 && !rest.empty(); ++i) {
        size_t end = rest.find('\0');
        processor.handleDatagram(rest.substr(0, end), peer);
        if (end == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(end + 1);
    }
    auto& calls = w.engine->calls();
    std::lock_guard lock(calls.mutex());
    std::vector<std::string> ids;
    for (const auto& [id, call] : calls.calls()) {
        ids.push_back(id);
    }
    for (const auto& id : ids) {
        calls.destroy(id, call::Teardown::forced);
    }
    return 0;
}
