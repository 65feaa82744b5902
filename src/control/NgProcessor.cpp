#include "control/NgProcessor.h"

#include <chrono>
#include <exception>

#include "log/Log.h"

namespace rtprelay::control {

using log::Subsystem;

namespace {

std::string printable(std::string_view s, size_t max = 64) {
    std::string out;
    for (char c : s.substr(0, max)) {
        out.push_back((c >= 0x20 && c < 0x7f) ? c : '.');
    }
    if (s.size() > max) {
        out += "...";
    }
    return out;
}

std::string_view decodeErrorReason(bencode::DecodeStatus status) {
    switch (status) {
        case bencode::DecodeStatus::tooLarge:
            return "Message too large";
        case bencode::DecodeStatus::tooDeep:
            return "Message nested too deeply";
        case bencode::DecodeStatus::tooManyElements:
            return "Message has too many elements";
        default:
            return "Could not decode bencode dictionary";
    }
}

}  // namespace

NgProcessor::NgProcessor(const CommandRegistry& commands, CookieCache& cache,
                         ControlStatistics& stats, bencode::Limits limits)
    : commands_(commands), cache_(cache), stats_(stats), limits_(limits) {}

std::string NgProcessor::errorBody(std::string_view reason) {
    bencode::Value reply = bencode::Value::dict();
    reply.set("result", "error");
    reply.set("error-reason", reason);
    return bencode::encode(reply);
}

std::string NgProcessor::handleDatagram(std::string_view datagram, const net::Endpoint& peer) {
    auto frame = splitCookie(datagram);
    if (!frame) {
        stats_.recordDrop(ControlStatistics::Drop::noCookie);
        log::warning(Subsystem::control, "Received invalid data on ng port from {} (no cookie): {}",
                     peer.toString(), printable(datagram));
        return {};
    }
    std::string cookie(frame->cookie);
    auto lookup = cache_.begin(cookie);
    if (!lookup.execute) {
        log::info(Subsystem::control, "Detected command from {} as a duplicate, resending reply",
                  peer.toString());
        if (lookup.reply.empty()) {
            return {};
        }
        return lookup.reply;
    }
    std::string reply = cookie;
    reply.push_back(' ');
    reply += execute(frame->payload, peer);
    cache_.complete(cookie, reply);
    return reply;
}

std::string NgProcessor::execute(std::string_view payload, const net::Endpoint& peer) {
    auto started = std::chrono::steady_clock::now();
    std::string command = "unknown";
    bencode::Value reply = bencode::Value::dict();
    bool failed = false;
    auto fail = [&](std::string_view reason) {
        failed = true;
        reply.set("result", "error");
        reply.set("error-reason", reason);
    };

    if (payload.empty()) {
        fail("Invalid data (no payload)");
    } else if (payload.front() == '{') {
        fail("JSON ng messages are not supported yet, use bencode");
    } else if (payload.front() != 'd') {
        fail("Invalid NG data format");
    } else {
        auto decoded = bencode::decode(payload, limits_);
        if (decoded.status != bencode::DecodeStatus::ok) {
            log::warning(Subsystem::control, "Invalid ng message from {}: {}", peer.toString(),
                         decoded.error);
            fail(decodeErrorReason(decoded.status));
        } else if (!decoded.value.isDict()) {
            fail("Could not decode bencode dictionary");
        } else {
            const bencode::Value* commandValue = decoded.value.find("command");
            if (!commandValue) {
                fail("Dictionary contains no key \"command\"");
            } else if (!commandValue->isString()) {
                fail("Key \"command\" is not a string");
            } else if (const CommandHandler* handler = commands_.find(commandValue->str())) {
                command = commandValue->str();
                NgRequest request(decoded.value, command, peer);
                std::optional<std::string> callId;
                try {
                    callId = request.string({"call-id"});
                } catch (const NgError&) {
                }
                log::CallScope scope(callId.value_or(""));
                if (command == "ping") {
                    log::debug(Subsystem::control, "Received command 'ping' from {}",
                               peer.toString());
                } else {
                    log::info(Subsystem::control, "Received command '{}' from {}", command,
                              peer.toString());
                }
                try {
                    (*handler)(request, reply.entries());
                    if (!reply.find("result")) {
                        reply.set("result", "ok");
                    }
                } catch (const NgLoadLimit& e) {
                    reply = bencode::Value::dict();
                    if (request.supportsLoadLimit()) {
                        reply.set("result", "load limit");
                        reply.set("message", e.what());
                    } else {
                        fail(e.what());
                    }
                } catch (const NgError& e) {
                    fail(e.what());
                } catch (const std::exception& e) {
                    log::error(Subsystem::control, "Command '{}' failed: {}", command, e.what());
                    fail(std::string("Internal error: ") + e.what());
                }
                if (failed) {
                    log::warning(Subsystem::control, "Protocol error in command '{}': {}", command,
                                 reply.find("error-reason")->str());
                }
            } else {
                command = "unrecognized";
                log::warning(Subsystem::control, "Unrecognized ng command '{}' from {}",
                             printable(commandValue->str()), peer.toString());
                fail("Unrecognized command");
            }
        }
    }
    stats_.recordRequest(peer.address().toString(), command,
                         std::chrono::steady_clock::now() - started, failed);
    return bencode::encode(reply);
}

}  // namespace rtprelay::control
