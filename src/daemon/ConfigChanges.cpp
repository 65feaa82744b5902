#include "daemon/ConfigChanges.h"

#include <fmt/format.h>

namespace rtprelay::daemon {

namespace {

std::string text(const std::string& s) {
    return s;
}
std::string text(int v) {
    return std::to_string(v);
}
std::string text(bool v) {
    return v ? "true" : "false";
}
std::string text(const std::vector<net::Endpoint>& list) {
    std::string out;
    for (const auto& e : list) {
        out += (out.empty() ? "" : ";") + e.toString();
    }
    return out;
}
std::string text(const std::vector<config::InterfaceAddress>& list) {
    std::string out;
    for (const auto& i : list) {
        out += (out.empty() ? "" : ";") + i.name + "/" + i.local.toString();
        if (!(i.advertised == i.local)) {
            out += "!" + i.advertised.toString();
        }
    }
    return out;
}
std::string text(const std::optional<net::NetworkList>& list) {
    return list ? list->toString() : "";
}
std::string text(const std::optional<net::Endpoint>& e) {
    return e ? e->toString() : "";
}
std::string text(config::EndpointLearning l) {
    switch (l) {
        case config::EndpointLearning::delayed:
            return "delayed";
        case config::EndpointLearning::immediate:
            return "immediate";
        case config::EndpointLearning::off:
            return "off";
        case config::EndpointLearning::heuristic:
            return "heuristic";
    }
    return "";
}

}  // namespace

std::vector<ConfigChange> compareConfigs(const config::Config& a, const config::Config& b) {
    std::vector<ConfigChange> out;
    auto check = [&](const char* option, const auto& before, const auto& after, bool runtime) {
        std::string x = text(before);
        std::string y = text(after);
        if (x != y) {
            out.push_back({option, x, y, runtime});
        }
    };
    check("log-level", a.logLevel, b.logLevel, true);
    check("timeout", a.timeout, b.timeout, true);
    check("silent-timeout", a.silentTimeout, b.silentTimeout, true);
    check("final-timeout", a.finalTimeout, b.finalTimeout, true);
    check("offer-timeout", a.offerTimeout, b.offerTimeout, true);
    check("delete-delay", a.deleteDelay, b.deleteDelay, true);
    check("max-sessions", a.maxSessions, b.maxSessions, true);
    check("control-allow", a.controlAllow, b.controlAllow, true);
    check("ng-allow", a.ngAllow, b.ngAllow, true);
    check("cli-allow", a.cliAllow, b.cliAllow, true);
    check("http-allow", a.httpAllow, b.httpAllow, true);
    if (a.httpSecret != b.httpSecret) {
        // Never logged in clear.
        auto shown = [](const std::string& s) { return s.empty() ? "" : "(secret)"; };
        out.push_back({"http-secret", shown(a.httpSecret), shown(b.httpSecret), true});
    }

    check("interface", a.interfaces, b.interfaces, false);
    check("listen-ng", a.listenNg, b.listenNg, false);
    check("listen-tcp-ng", a.listenTcpNg, b.listenTcpNg, false);
    check("listen-cli", a.listenCli, b.listenCli, false);
    check("listen-http", a.listenHttp, b.listenHttp, false);
    check("port-min", a.portMin, b.portMin, false);
    check("port-max", a.portMax, b.portMax, false);
    check("log-facility", a.logFacility, b.logFacility, false);
    check("log-facility-cdr", a.logFacilityCdr, b.logFacilityCdr, false);
    check("log-name", a.logName, b.logName, false);
    check("pidfile", a.pidfile, b.pidfile, false);
    check("table", a.table, b.table, false);
    check("no-fallback", a.noFallback, b.noFallback, false);
    check("kernel-table-size", a.kernelTableSize, b.kernelTableSize, false);
    check("kernel-redirect-peer", a.kernelRedirectPeer, b.kernelRedirectPeer, false);
    check("kernel-neighbour-interval", a.kernelNeighbourInterval, b.kernelNeighbourInterval, false);
    check("nftables-chain", a.nftablesChain, b.nftablesChain, false);
    check("nftables-base-chain", a.nftablesBaseChain, b.nftablesBaseChain, false);
    check("nftables-append", a.nftablesAppend, b.nftablesAppend, false);
    check("nftables-family", a.nftablesFamily, b.nftablesFamily, false);
    check("num-threads", a.numThreads, b.numThreads, false);
    check("tos", a.tos, b.tos, false);
    check("endpoint-learning", a.endpointLearning, b.endpointLearning, false);
    check("homer", a.homer, b.homer, false);
    check("homer-protocol", a.homerProtocol, b.homerProtocol, false);
    check("homer-id", a.homerId, b.homerId, false);
    check("redis", a.redis, b.redis, false);
    check("redis-db", a.redisDb, b.redisDb, false);
    check("recording-dir", a.recordingDir, b.recordingDir, false);
    check("recording-method", a.recordingMethod, b.recordingMethod, false);
    check("recording-format", a.recordingFormat, b.recordingFormat, false);
    check("b2b-url", a.b2bUrl, b.b2bUrl, false);
    check("dtls-passive", a.dtlsPassive, b.dtlsPassive, false);
    return out;
}

}  // namespace rtprelay::daemon
