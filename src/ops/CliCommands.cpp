#include "ops/CliCommands.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "log/Log.h"
#include "ops/CliText.h"

namespace rtprelay::ops {

using log::Subsystem;

namespace {

std::vector<std::string> splitWords(std::string_view line) {
    std::vector<std::string> words;
    size_t i = 0;
    while (i < line.size()) {
        size_t start = line.find_first_not_of(" \t\r\n", i);
        if (start == std::string_view::npos) {
            break;
        }
        size_t end = line.find_first_of(" \t\r\n", start);
        if (end == std::string_view::npos) {
            end = line.size();
        }
        words.emplace_back(line.substr(start, end - start));
        i = end;
    }
    return words;
}

std::string join(const std::vector<std::string>& words, size_t from) {
    std::string out;
    for (size_t i = from; i < words.size(); ++i) {
        out += (i > from ? " " : "") + words[i];
    }
    return out;
}

// rtpengine answers whatever it could not match with the unmatched rest of the line.
CliAnswer unknown(const std::vector<std::string>& words, size_t from) {
    return CliAnswer::failure("Unknown or incomplete command:" + join(words, from) + "\n");
}

CliAnswer moreParameters() {
    return CliAnswer::failure("More parameters required.\n");
}

std::optional<int> parseInt(const std::string& text) {
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

bool allDigits(const std::string& s) {
    return !s.empty() && s.size() <= 9 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

nlohmann::ordered_json toJson(const control::bencode::Value& v) {
    if (v.isString()) {
        return v.str();
    }
    if (v.isInt()) {
        return v.integer();
    }
    if (v.isList()) {
        nlohmann::ordered_json out = nlohmann::ordered_json::array();
        for (const auto& item : v.items()) {
            out.push_back(toJson(item));
        }
        return out;
    }
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& [key, value] : v.entries()) {
        out[key] = toJson(value);
    }
    return out;
}

// `set NAME` keyword → the option name `params` shows.
struct Settable {
    std::string_view keyword;
    std::string_view option;
};
constexpr Settable settables[] = {
    {"maxsessions", "max-sessions"},     {"timeout", "timeout"},
    {"silenttimeout", "silent-timeout"}, {"finaltimeout", "final-timeout"},
    {"offertimeout", "offer-timeout"},   {"deletedelay", "delete-delay"},
    {"loglevel", "log-level"},
};

}  // namespace

CliCommands::CliCommands(const OpsContext& context, StatisticsCollector& statistics)
    : context_(context), statistics_(statistics), table_(context.config.table) {
    auto& rt = context_.runtime;
    auto tunable = [](std::string name, std::atomic<int>& value) {
        return Param{std::move(name), [&value] { return value.load(); },
                     [&value](int v) { value.store(v); }};
    };
    auto fixed = [](std::string name, int value) {
        return Param{std::move(name), [value] { return value; }, {}};
    };
    const config::Config& c = context_.config;
    params_ = {
        Param{"log-level", [] { return log::level(); }, [](int v) { log::setLevel(v); }},
        fixed("table", c.table),
        tunable("max-sessions", rt.maxSessions),
        tunable("timeout", rt.timeout),
        tunable("silent-timeout", rt.silentTimeout),
        tunable("final-timeout", rt.finalTimeout),
        tunable("offer-timeout", rt.offerTimeout),
        tunable("delete-delay", rt.deleteDelay),
        fixed("tos", c.tos),
        fixed("port-min", c.portMin),
        fixed("port-max", c.portMax),
        fixed("num-threads", c.numThreads),
        fixed("no-fallback", c.noFallback ? 1 : 0),
    };
    for (const auto& p : params_) {
        startValues_.emplace_back(p.name, p.get());
    }
}

const CliCommands::Param* CliCommands::param(std::string_view name) const {
    for (const auto& p : params_) {
        if (p.name == name) {
            return &p;
        }
    }
    return nullptr;
}

std::string CliCommands::usage() {
    return "Supported commands are:\n"
           "\n"
           "list [ numsessions | sessions { all | own | foreign | N | CALLID } | session CALLID |\n"
           "      totals | counters | interfaces | jsonstats | kernel | maxsessions |\n"
           "      maxopenfiles | timeout | silenttimeout | finaltimeout | offertimeout |\n"
           "      deletedelay | loglevel ]\n"
           "    list information (`get` works as well)\n"
           "set [ maxsessions N | timeout N | silenttimeout N | finaltimeout N | offertimeout N |\n"
           "      deletedelay N | loglevel N ]\n"
           "    change a run-time setting (maxsessions -1: no limit, 0: drain)\n"
           "params [ start | current | diff | revert ]\n"
           "    run-time settings at start and now, their differences; revert to the start values\n"
           "terminate [ CALLID | all | own | foreign ]\n"
           "    end calls now (reason FORCED, with CDRs)\n"
           "usage\n"
           "    this text\n";
}

CliAnswer CliCommands::execute(std::string_view line) {
    Words words = splitWords(line);
    if (words.empty()) {
        return unknown(words, 0);
    }
    const std::string& command = words[0];
    Words rest(words.begin() + 1, words.end());
    if (command == "list" || command == "get") {
        return list(rest);
    }
    if (command == "set") {
        return set(rest);
    }
    if (command == "params") {
        return params(rest);
    }
    if (command == "terminate") {
        return terminate(rest);
    }
    if (command == "usage" || command == "help") {
        return CliAnswer::ok(usage());
    }
    return unknown(words, 0);
}

CliAnswer CliCommands::list(const Words& w) {
    if (w.empty()) {
        return unknown(w, 0);
    }
    const std::string& what = w[0];
    const auto& rt = context_.runtime;
    if (what == "numsessions") {
        return CliAnswer::ok(numSessionsText(context_.signalling.sessionCounts()));
    }
    if (what == "sessions" || what == "session") {
        return sessions(w);
    }
    if (what == "totals") {
        return CliAnswer::ok(totalsText(statistics_.collect()));
    }
    if (what == "counters") {
        return CliAnswer::ok(countersText(statistics_.rates()));
    }
    if (what == "interfaces") {
        return CliAnswer::ok(interfacesText(statistics_.collect()));
    }
    if (what == "jsonstats") {
        return CliAnswer::ok(toJson(statistics_.ngStatistics()).dump() + "\n");
    }
    if (what == "kernel") {
        return CliAnswer::ok(kernelText(table_, context_.kernel));
    }
    if (what == "maxsessions") {
        return CliAnswer::ok(
            fmt::format("Maximum sessions configured on rtpengine: {}\n", rt.maxSessions.load()));
    }
    if (what == "maxopenfiles") {
        rlimit limit{};
        if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
            return CliAnswer::failure("Fail getting rtpengine configured limits\n");
        }
        if (limit.rlim_cur == RLIM_INFINITY) {
            return CliAnswer::ok("Maximum open-files configured on rtpengine: infinite\n");
        }
        return CliAnswer::ok(fmt::format("Maximum open-files configured on rtpengine: {}\n",
                                         static_cast<unsigned long long>(limit.rlim_cur)));
    }
    if (what == "timeout") {
        return CliAnswer::ok(fmt::format("TIMEOUT={}\n", rt.timeout.load()));
    }
    if (what == "silenttimeout") {
        return CliAnswer::ok(fmt::format("SILENT_TIMEOUT={}\n", rt.silentTimeout.load()));
    }
    if (what == "finaltimeout") {
        return CliAnswer::ok(fmt::format("FINAL_TIMEOUT={}\n", rt.finalTimeout.load()));
    }
    if (what == "offertimeout") {
        return CliAnswer::ok(fmt::format("OFFER_TIMEOUT={}\n", rt.offerTimeout.load()));
    }
    if (what == "deletedelay") {
        return CliAnswer::ok(fmt::format("DELETE_DELAY={}\n", rt.deleteDelay.load()));
    }
    if (what == "loglevel") {
        return CliAnswer::ok(fmt::format("{}\n", log::level()));
    }
    return unknown(w, 0);
}

CliAnswer CliCommands::sessions(const Words& w) {
    if (w.size() < 2) {
        return moreParameters();
    }
    const std::string& which = w[1];
    auto& signalling = context_.signalling;
    std::string detail;
    bool isCall = which != "all" && which != "own" && which != "foreign" &&
                  signalling.inspectCall(which, [&](const call::Call& c, const auto* kernel) {
                      detail = callInfoText(c, kernel);
                  });
    if (isCall) {
        return CliAnswer::ok(std::move(detail));
    }
    if (w[0] == "session" ||
        (which != "all" && which != "own" && which != "foreign" && !allDigits(which))) {
        return CliAnswer::failure(fmt::format("\nCall Id ({}) not found.\n", which));
    }
    if (which == "foreign") {
        return CliAnswer::ok("No foreign sessions on this media relay.\n");
    }
    std::vector<std::tuple<std::chrono::system_clock::time_point, std::string, std::string>> rows;
    signalling.inspectCalls([&](const call::Call& c, const auto*) {
        rows.emplace_back(c.created(), c.callId(), sessionLine(c));
    });
    std::sort(rows.begin(), rows.end());
    if (allDigits(which)) {
        rows.resize(std::min(rows.size(), static_cast<size_t>(std::stoul(which))));
    }
    if (rows.empty()) {
        return CliAnswer::ok(which == "own" ? "No own sessions on this media relay.\n"
                                            : "No sessions on this media relay.\n");
    }
    std::string out;
    for (const auto& row : rows) {
        out += std::get<2>(row);
    }
    return CliAnswer::ok(std::move(out));
}

CliAnswer CliCommands::set(const Words& w) {
    if (w.empty()) {
        return unknown(w, 0);
    }
    const Settable* target = nullptr;
    for (const auto& s : settables) {
        if (w[0] == s.keyword) {
            target = &s;
        }
    }
    if (!target) {
        return unknown(w, 0);
    }
    if (w.size() < 2) {
        return moreParameters();
    }
    const std::string& keyword = w[0];
    const std::string& text = w[1];
    auto value = parseInt(text);
    if (!value) {
        return CliAnswer::failure(
            fmt::format("Fail setting {} to {}; no digits found\n", keyword, text));
    }
    if (keyword == "loglevel" && (*value < 0 || *value > 7)) {
        return CliAnswer::failure(
            fmt::format("Invalid log level '{}', must be between 0 and 7\n", text));
    }
    if (keyword == "maxsessions" && *value < -1) {
        return CliAnswer::failure(fmt::format(
            "Fail setting maxsessions to {}; either positive or -1 values allowed\n", text));
    }
    if (*value < 0 && keyword != "maxsessions") {
        return CliAnswer::failure(
            fmt::format("Fail setting {} to {}; must not be negative\n", keyword, text));
    }
    param(target->option)->set(*value);
    log::notice(Subsystem::cli, "{} set to {} by an operator", target->option, *value);
    return CliAnswer::ok(fmt::format("Success setting {} to {}\n", keyword, *value));
}

CliAnswer CliCommands::params(const Words& w) {
    if (w.empty()) {
        return moreParameters();
    }
    const std::string& what = w[0];
    std::string out;
    if (what == "start") {
        for (const auto& [name, value] : startValues_) {
            out += fmt::format("{} = {}\n", name, value);
        }
        return CliAnswer::ok(std::move(out));
    }
    if (what == "current") {
        for (const auto& p : params_) {
            out += fmt::format("{} = {}\n", p.name, p.get());
        }
        return CliAnswer::ok(std::move(out));
    }
    if (what == "diff" || what == "revert") {
        for (size_t i = 0; i < params_.size(); ++i) {
            int start = startValues_[i].second;
            int now = params_[i].get();
            if (start == now || !params_[i].set) {
                continue;
            }
            if (what == "diff") {
                out += fmt::format("{}: {} => {}\n", params_[i].name, start, now);
            } else {
                params_[i].set(start);
                log::notice(Subsystem::cli, "{} reverted to {} by an operator", params_[i].name,
                            start);
                out += fmt::format("{}: {} => {}\n", params_[i].name, now, start);
            }
        }
        // rtpengine answers nothing here; a line keeps an empty answer meaning "no service".
        if (out.empty()) {
            out = "No parameter differs from its start value.\n";
        }
        return CliAnswer::ok(std::move(out));
    }
    return unknown(w, 0);
}

CliAnswer CliCommands::terminate(const Words& w) {
    if (w.empty()) {
        return moreParameters();
    }
    const std::string& which = w[0];
    auto& signalling = context_.signalling;
    if (which == "all" || which == "own") {
        log::notice(Subsystem::cli, "Terminating {} calls on operator request",
                    which == "all" ? "all" : "all own");
        signalling.terminateAll(call::Teardown::forced);
        return CliAnswer::ok(which == "all" ? "All calls terminated by operator.\n"
                                            : "All own calls terminated by operator.\n");
    }
    if (which == "foreign") {
        return CliAnswer::ok("All foreign calls terminated by operator.\n");
    }
    if (!signalling.terminate(which, call::Teardown::forced)) {
        return CliAnswer::failure(fmt::format("\nCall Id ({}) not found.\n", which));
    }
    return CliAnswer::ok(fmt::format("Call Id ({}) successfully terminated by operator.\n", which));
}

}  // namespace rtprelay::ops
