#include "config/OptionTable.h"

#include <algorithm>
#include <climits>
#include <initializer_list>

#include "config/InterfaceSpec.h"
#include "config/ListenSpec.h"
#include "config/ValueSyntax.h"

namespace rtprelay::config {

namespace {

using K = OptionKind;

std::string rangeText(long long min, long long max) {
    if (max == INT_MAX) {
        return min == 0 ? "must not be negative" : "must be " + std::to_string(min) + " or greater";
    }
    return "must be between " + std::to_string(min) + " and " + std::to_string(max);
}

Store flagField(bool Config::*field) {
    return [field](Config& config, const std::string& value) -> Rejection {
        auto parsed = syntax::parseBoolean(value);
        if (!parsed) {
            return parsed.error();
        }
        config.*field = *parsed;
        return std::nullopt;
    };
}

Store intField(int Config::*field, long long min, long long max) {
    return [field, min, max](Config& config, const std::string& value) -> Rejection {
        auto parsed = syntax::parseInteger(value);
        if (!parsed) {
            return parsed.error();
        }
        if (*parsed < min || *parsed > max) {
            return rangeText(min, max);
        }
        config.*field = static_cast<int>(*parsed);
        return std::nullopt;
    };
}

Store stringField(std::string Config::*field) {
    return [field](Config& config, const std::string& value) -> Rejection {
        config.*field = value;
        return std::nullopt;
    };
}

Store choiceField(std::string Config::*field, std::initializer_list<std::string_view> choices) {
    std::vector<std::string_view> allowed(choices);
    return [field, allowed](Config& config, const std::string& value) -> Rejection {
        std::string list;
        for (std::string_view choice : allowed) {
            if (value == choice) {
                config.*field = value;
                return std::nullopt;
            }
            list += list.empty() ? "" : ", ";
            list += choice;
        }
        return "must be one of " + list;
    };
}

// An empty value is allowed only where it has a meaning (no CDR logging).
Store facilityField(std::string Config::*field, bool allowEmpty) {
    return [field, allowEmpty](Config& config, const std::string& value) -> Rejection {
        if (!(allowEmpty && value.empty()) && !syntax::isSyslogFacility(value)) {
            return std::string(
                "not a syslog facility (auth, authpriv, cron, daemon, ftp, kern, "
                "lpr, mail, news, syslog, user, uucp, local0..local7)");
        }
        config.*field = value;
        return std::nullopt;
    };
}

Store endpointsField(std::vector<net::Endpoint> Config::*field) {
    return [field](Config& config, const std::string& value) -> Rejection {
        auto parsed = ListenSpec::parse(value);
        if (!parsed) {
            return parsed.error();
        }
        for (const net::Endpoint& endpoint : *parsed) {
            auto& list = config.*field;
            // `localhost:2223` next to `127.0.0.1:2223` must not bind twice.
            if (std::find(list.begin(), list.end(), endpoint) == list.end()) {
                list.push_back(endpoint);
            }
        }
        return std::nullopt;
    };
}

Store networksField(std::optional<net::NetworkList> Config::*field) {
    return [field](Config& config, const std::string& value) -> Rejection {
        std::string why;
        auto parsed = net::NetworkList::parse(value, &why);
        if (!parsed) {
            return why;
        }
        auto& list = config.*field;
        if (!list) {
            list = std::move(*parsed);
        } else if (!list->merge(*parsed)) {
            return "more than " + std::to_string(net::NetworkList::maxNetworks) + " networks";
        }
        return std::nullopt;
    };
}

// Sent by clients in `Authorization: Bearer SECRET`: visible ASCII, bounded.
Rejection storeHttpSecret(Config& config, const std::string& value) {
    constexpr size_t maxLength = 256;
    if (value.empty() || value.size() > maxLength) {
        return "must be 1 to " + std::to_string(maxLength) + " characters";
    }
    for (char c : value) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 32 || u >= 127) {
            return std::string("must be printable ASCII without blanks");
        }
    }
    config.httpSecret = value;
    return std::nullopt;
}

Rejection storeInterface(Config& config, const std::string& value) {
    auto parsed = InterfaceSpec::parse(value);
    if (!parsed) {
        return parsed.error();
    }
    config.interfaces.insert(config.interfaces.end(), parsed->begin(), parsed->end());
    return std::nullopt;
}

Rejection storeHomer(Config& config, const std::string& value) {
    auto parsed = ListenSpec::parseDestination(value);
    if (!parsed) {
        return parsed.error();
    }
    config.homer = *parsed;
    return std::nullopt;
}

Rejection storeEndpointLearning(Config& config, const std::string& value) {
    static constexpr std::pair<std::string_view, EndpointLearning> modes[] = {
        {"delayed", EndpointLearning::delayed},
        {"immediate", EndpointLearning::immediate},
        {"off", EndpointLearning::off},
        {"heuristic", EndpointLearning::heuristic},
    };
    for (const auto& [name, mode] : modes) {
        if (value == name) {
            config.endpointLearning = mode;
            return std::nullopt;
        }
    }
    return std::string("must be one of delayed, immediate, off, heuristic");
}

Rejection storeNftablesFamily(Config& config, const std::string& value) {
    std::string_view rest = value;
    for (;;) {
        size_t comma = rest.find(',');
        std::string_view family = syntax::trim(rest.substr(0, comma));
        if (family != "ip" && family != "ip4" && family != "ip6" && family != "inet") {
            return std::string("must be a comma-separated list of ip, ip4, ip6, inet");
        }
        if (comma == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(comma + 1);
    }
    config.nftablesFamily = value;
    return std::nullopt;
}

// An option whose capability exists, with a Config field.
OptionSpec available(std::string_view name, char shortName, OptionKind kind, Store store,
                     std::string_view help) {
    return OptionSpec{name, shortName, kind, true, false, std::move(store), help};
}

// An option accepted for compatibility; `store` is set where Config already has a field.
OptionSpec later(std::string_view name, char shortName, OptionKind kind, Store store = {}) {
    return OptionSpec{name, shortName, kind, false, false, std::move(store), {}};
}

OptionSpec commandLineOnly(std::string_view name, char shortName, OptionKind kind,
                           std::string_view help) {
    return OptionSpec{name, shortName, kind, true, true, {}, help};
}

}  // namespace

OptionTable::OptionTable() {
    options_ = {
        // Process and logging (lib/auxlib.c).
        commandLineOnly("version", 'v', K::flag, "Print the version and exit"),
        commandLineOnly("help", 'h', K::flag, "Print this list and exit"),
        commandLineOnly("config-file", 0, K::string, "Configuration file, 'none' for no file"),
        commandLineOnly("config-section", 0, K::string, "Section to read (default rtpengine)"),
        available("foreground", 'f', K::flag, flagField(&Config::foreground), "Do not daemonize"),
        available("log-stderr", 'E', K::flag, flagField(&Config::logStderr),
                  "Log to stderr instead of syslog"),
        available("no-log-timestamps", 0, K::flag, flagField(&Config::noLogTimestamps),
                  "Omit timestamps from stderr log lines"),
        available("pidfile", 'p', K::string, stringField(&Config::pidfile),
                  "Write the process id to this file"),
        available("log-level", 'L', K::integer, intField(&Config::logLevel, 0, 7),
                  "Syslog level 0..7 (default 6)"),
        available("log-facility", 0, K::string, facilityField(&Config::logFacility, false),
                  "Syslog facility (default daemon)"),
        available("log-name", 0, K::string, stringField(&Config::logName),
                  "Syslog identity (default rtprelay)"),
        available("log-facility-cdr", 0, K::string, facilityField(&Config::logFacilityCdr, true),
                  "Syslog facility for one CDR line per call (default: no CDRs)"),
        later("log-facility-rtcp", 0, K::string),
        later("log-facility-dtmf", 0, K::string),
        later("log-format", 0, K::string),
        later("split-logs", 0, K::flag),
        later("max-log-line-length", 0, K::integer),
        later("log-mark-prefix", 0, K::string),
        later("log-mark-suffix", 0, K::string),
        later("log-srtp-keys", 0, K::flag),
        later("debug-srtp", 0, K::flag),
        later("log-level-core", 0, K::integer),
        later("log-level-spandsp", 0, K::integer),
        later("log-level-ffmpeg", 0, K::integer),
        later("log-level-transcoding", 0, K::integer),
        later("log-level-codec", 0, K::integer),
        later("log-level-rtcp", 0, K::integer),
        later("log-level-ice", 0, K::integer),
        later("log-level-crypto", 0, K::integer),
        later("log-level-srtp", 0, K::integer),
        later("log-level-http", 0, K::integer),
        later("log-level-control", 0, K::integer),
        later("log-level-dtx", 0, K::integer),
        later("log-level-internals", 0, K::integer),
        later("thread-stack", 0, K::integer),
        later("poller-size", 0, K::integer),
        available("io-uring", 0, K::flag, flagField(&Config::ioUring),
                  "Relay media through io_uring where the kernel allows it (default on)"),
        available(
            "no-io-uring", 0, K::flag,
            [](Config& config, const std::string& value) -> Rejection {
                auto parsed = syntax::parseBoolean(value);
                if (!parsed) {
                    return parsed.error();
                }
                config.ioUring = config.ioUring && !*parsed;
                return std::nullopt;
            },
            "Relay media through epoll (rtprelay extra; file: io-uring = false)"),
        available("io-uring-buffers", 0, K::integer, intField(&Config::ioUringBuffers, 16, 32768),
                  "Receive buffers of 4 KiB per media thread with io_uring (default 1024)"),
        later("evs-lib-path", 0, K::string),

        // Interfaces, ports, control listeners.
        available("interface", 'i', K::list, storeInterface,
                  "[NAME/]ADDR[!ADVERTISED], ADDR: address, device, any, host"),
        available("listen-ng", 'n', K::list, endpointsField(&Config::listenNg),
                  "ng control protocol over UDP: [HOST:]PORT"),
        available("listen-tcp-ng", 'N', K::list, endpointsField(&Config::listenTcpNg),
                  "ng control protocol over TCP: [HOST:]PORT"),
        available("port-min", 'm', K::integer, intField(&Config::portMin, 1, 65535),
                  "Lowest media port (default 30000)"),
        available("port-max", 'M', K::integer, intField(&Config::portMax, 1, 65535),
                  "Highest media port (default 39999)"),
        available("listen-cli", 'c', K::list, endpointsField(&Config::listenCli),
                  "CLI for rtprelay-ctl / rtpengine-ctl over TCP: [HOST:]PORT (default off)"),
        available("listen-http", 0, K::list, endpointsField(&Config::listenHttp),
                  "HTTP for /metrics (Prometheus), /ping, /cli/ and POST /ng: [HOST:]PORT"),
        available("control-allow", 0, K::list, networksField(&Config::controlAllow),
                  "Source networks allowed on the ng, CLI and HTTP listeners: CIDR list, e.g. "
                  "127.0.0.1/8, 10.0.0.0/8, ::1/128 (default: any)"),
        available("ng-allow", 0, K::list, networksField(&Config::ngAllow),
                  "Same for listen-ng and listen-tcp-ng only (instead of control-allow)"),
        available("cli-allow", 0, K::list, networksField(&Config::cliAllow),
                  "Same for listen-cli only (instead of control-allow)"),
        available("http-allow", 0, K::list, networksField(&Config::httpAllow),
                  "Same for listen-http only (instead of control-allow)"),
        available("http-secret", 0, K::string, storeHttpSecret,
                  "Token required as 'Authorization: Bearer TOKEN' by HTTP POST /ng and /cli/"),
        later("listen-https", 0, K::list),
        later("listen-udp", 'u', K::list),
        later("listen-tcp", 'l', K::list),
        later("interfaces-config", 0, K::string),
        later("save-interface-ports", 'S', K::flag),
        later("https-cert", 0, K::string),
        later("https-key", 0, K::string),
        later("http-threads", 0, K::integer),
        later("http-buf-size", 0, K::integer),
        later("http-idle-timeout", 0, K::integer),
        later("control-tos", 0, K::integer),
        later("control-pmtu", 0, K::string),
        later("templates", 0, K::string),
        later("ng-client-timeout", 0, K::integer),
        later("ng-client-retries", 0, K::integer),
        later("janus-secret", 0, K::string),

        // Timers and lifecycle.
        available("timeout", 'o', K::integer, intField(&Config::timeout, 0, INT_MAX),
                  "Seconds without media before a call ends (0: default 60)"),
        available("silent-timeout", 's', K::integer, intField(&Config::silentTimeout, 0, INT_MAX),
                  "Same for silent (recvonly/inactive) calls (0: default 3600)"),
        available("final-timeout", 'a', K::integer, intField(&Config::finalTimeout, 0, INT_MAX),
                  "Maximum call duration in seconds (0: unlimited)"),
        available("offer-timeout", 0, K::integer, intField(&Config::offerTimeout, 0, INT_MAX),
                  "Seconds an unanswered offer is kept (0: default 3600)"),
        available("delete-delay", 'd', K::integer, intField(&Config::deleteDelay, 0, INT_MAX),
                  "Seconds between delete and teardown (default 30)"),
        later("b2b-url", 'b', K::string, stringField(&Config::b2bUrl)),
        later("xmlrpc-format", 'x', K::integer),

        // Kernel forwarding and nftables.
        available("table", 't', K::integer, intField(&Config::table, -1, 63),
                  "Kernel forwarding table 0..63 (eBPF); -1 = userspace only"),
        available("no-fallback", 'F', K::flag, flagField(&Config::noFallback),
                  "Exit instead of relaying in userspace when the kernel path fails"),
        available("kernel-table-size", 0, K::integer,
                  intField(&Config::kernelTableSize, 1, 1048576),
                  "Entries of the eBPF forwarding table, 1..1048576 (default 65536: "
                  "14.5 MB)"),
        available("kernel-redirect-peer", 0, K::flag, flagField(&Config::kernelRedirectPeer),
                  "Deliver kernel-forwarded media straight into a veth's peer namespace "
                  "(default on)"),
        available(
            "no-kernel-redirect-peer", 0, K::flag,
            [](Config& config, const std::string& value) -> Rejection {
                auto parsed = syntax::parseBoolean(value);
                if (!parsed) {
                    return parsed.error();
                }
                config.kernelRedirectPeer = config.kernelRedirectPeer && !*parsed;
                return std::nullopt;
            },
            "Send kernel-forwarded media out through the veth's egress path, qdisc and tc "
            "egress hooks included (file: kernel-redirect-peer = false)"),
        available("kernel-neighbour-interval", 0, K::integer,
                  intField(&Config::kernelNeighbourInterval, 1, 3600),
                  "Seconds between checks of the MAC addresses peer delivery uses, 1..3600 "
                  "(default 5)"),
        available("nftables-chain", 0, K::string, stringField(&Config::nftablesChain),
                  "Our nftables chain (default rtpengine_<table>; empty: none)"),
        available("nftables-base-chain", 0, K::string, stringField(&Config::nftablesBaseChain),
                  "Base chain jumping to ours (default INPUT; empty: ours is the base "
                  "chain; none: no jump)"),
        available("nftables-append", 0, K::flag, flagField(&Config::nftablesAppend),
                  "Append the jump rule instead of inserting it first"),
        available("nftables-family", 0, K::string, storeNftablesFamily,
                  "ip, ip6, inet or a comma list (default ip,ip6)"),
        later("xtables", 0, K::flag),
        available("nftables-start", 0, K::flag, flagField(&Config::nftablesStart),
                  "Set up the nftables objects and exit"),
        available("nftables-stop", 0, K::flag, flagField(&Config::nftablesStop),
                  "Remove the nftables objects and exit"),
        available("nftables-status", 0, K::flag, flagField(&Config::nftablesStatus),
                  "Check the nftables objects and exit 0 (present) or 1"),
        later("kernel-slots", 0, K::integer),
        later("kernel-num-threads", 0, K::integer),
        later("kernel-player", 0, K::integer),
        later("kernel-player-media", 0, K::integer),
        later("iptables-chain", 0, K::string),

        // Media behaviour, threads, limits.
        available("num-threads", 0, K::integer, intField(&Config::numThreads, 0, INT_MAX),
                  "Worker threads (0: number of CPUs, at least 4)"),
        available("max-sessions", 0, K::integer, intField(&Config::maxSessions, -1, INT_MAX),
                  "Maximum concurrent calls (-1: unlimited)"),
        available("tos", 'T', K::integer, intField(&Config::tos, 0, 255),
                  "TOS/DSCP byte set on media sockets (0: untouched)"),
        available("endpoint-learning", 0, K::string, storeEndpointLearning,
                  "delayed | immediate | off | heuristic (default)"),
        later("dtls-passive", 0, K::flag, flagField(&Config::dtlsPassive)),
        later("sip-source", 0, K::flag),
        later("reject-invalid-sdp", 0, K::flag),
        later("software-id", 0, K::string),
        later("media-num-threads", 0, K::integer),
        later("codec-num-threads", 0, K::integer),
        later("poller-per-thread", 0, K::flag),
        later("timer-accuracy", 0, K::integer),
        later("max-recv-iters", 0, K::integer),
        later("socket-cpu-affinity", 0, K::integer),
        later("scheduling", 0, K::string),
        later("priority", 0, K::integer),
        later("idle-scheduling", 0, K::string),
        later("idle-priority", 0, K::integer),
        later("max-load", 0, K::real),
        later("max-cpu", 0, K::real),
        later("max-bandwidth", 0, K::integer),

        // Redis.
        later("redis", 'r', K::string, stringField(&Config::redis)),
        later("redis-db", 0, K::integer, intField(&Config::redisDb, -1, INT_MAX)),
        later("redis-write", 'w', K::string),
        later("redis-subscribe", 0, K::string),
        later("subscribe-keyspace", 'k', K::list),
        later("redis-num-threads", 0, K::integer),
        later("redis-expires", 0, K::integer),
        later("no-redis-required", 'q', K::flag),
        later("redis-allowed-errors", 0, K::integer),
        later("redis-disable-time", 0, K::integer),
        later("redis-cmd-timeout", 0, K::integer),
        later("redis-connect-timeout", 0, K::integer),
        later("redis-resolve-on-reconnect", 0, K::flag),
        later("redis-format", 0, K::string),
        later("redis-tcp-keepalive-time", 0, K::integer),
        later("redis-tcp-keepalive-intvl", 0, K::integer),
        later("redis-tcp-keepalive-probes", 0, K::integer),
        later("active-switchover", 0, K::flag),

        // DTMF.
        later("dtmf-log-dest", 0, K::string),
        later("dtmf-log-ng-tcp", 0, K::flag),
        later("dtmf-no-suppress", 0, K::flag),
        later("dtmf-digit-delay", 0, K::integer),
        later("dtmf-no-log-injects", 0, K::flag),

        // Monitoring.
        later("graphite", 'g', K::string),
        later("graphite-interval", 'G', K::integer),
        later("graphite-prefix", 0, K::string),
        later("graphite-timeout", 0, K::integer),
        later("homer", 0, K::string, storeHomer),
        later("homer-protocol", 0, K::string, choiceField(&Config::homerProtocol, {"udp", "tcp"})),
        later("homer-id", 0, K::integer, intField(&Config::homerId, 0, INT_MAX)),
        later("homer-disable-rtcp-stats", 0, K::flag),
        later("homer-enable-ng", 0, K::flag),
        later("homer-ng-capture-proto", 0, K::integer),
        later("mqtt-host", 0, K::string),
        later("mqtt-port", 0, K::integer),
        later("mqtt-id", 0, K::string),
        later("mqtt-keepalive", 0, K::integer),
        later("mqtt-user", 0, K::string),
        later("mqtt-pass", 0, K::string),
        later("mqtt-cafile", 0, K::string),
        later("mqtt-capath", 0, K::string),
        later("mqtt-certfile", 0, K::string),
        later("mqtt-keyfile", 0, K::string),
        later("mqtt-tls-alpn", 0, K::string),
        later("mqtt-publish-qos", 0, K::integer),
        later("mqtt-publish-topic", 0, K::string),
        later("mqtt-publish-interval", 0, K::integer),
        later("mqtt-publish-scope", 0, K::string),
        later("mos", 0, K::string),
        later("measure-rtp", 0, K::flag),
        later("ssrc-reporting", 0, K::string),
        later("rtcp-interval", 0, K::integer),

        // Recording.
        later("recording-dir", 0, K::string, stringField(&Config::recordingDir)),
        later("recording-method", 0, K::string,
              choiceField(&Config::recordingMethod, {"pcap", "proc", "all"})),
        later("recording-format", 0, K::string,
              choiceField(&Config::recordingFormat, {"raw", "eth"})),
        later("record-egress", 0, K::flag),
        later("record-both", 0, K::flag),
        later("vsc-start-rec", 0, K::string),
        later("vsc-stop-rec", 0, K::string),
        later("vsc-start-stop-rec", 0, K::string),
        later("vsc-pause-rec", 0, K::string),
        later("vsc-pause-resume-rec", 0, K::string),
        later("vsc-start-pause-resume-rec", 0, K::string),

        // DTLS.
        later("dtls-rsa-key-size", 0, K::integer),
        later("dtls-cert-cipher", 0, K::string),
        later("dtls-mtu", 0, K::integer),
        later("dtls-ciphers", 0, K::string),
        later("dtls-signature", 0, K::string),

        // Transcoding and media player.
        later("codecs", 0, K::flag),
        later("jitter-buffer", 0, K::integer),
        later("jb-clock-drift", 0, K::flag),
        later("jb-adaptive", 0, K::flag),
        later("jb-adaptive-min", 0, K::integer),
        later("jb-adaptive-max", 0, K::integer),
        later("dtx-delay", 0, K::integer),
        later("max-dtx", 0, K::integer),
        later("dtx-buffer", 0, K::integer),
        later("dtx-lag", 0, K::integer),
        later("dtx-shift", 0, K::integer),
        later("dtx-cn-params", 0, K::list),
        later("amr-dtx", 0, K::string),
        later("evs-dtx", 0, K::string),
        later("silence-detect", 0, K::real),
        later("cn-payload", 0, K::list),
        later("player-cache", 0, K::flag),
        later("preload-media-files", 0, K::list),
        later("media-files-reload", 0, K::integer),
        later("media-files-expire", 0, K::integer),
        later("expiry-timer", 0, K::integer),
        later("preload-db-media", 0, K::list),
        later("db-media-reload", 0, K::integer),
        later("db-media-expire", 0, K::integer),
        later("db-media-cache", 0, K::string),
        later("preload-db-cache", 0, K::list),
        later("db-cache-reload", 0, K::integer),
        later("db-cache-expire", 0, K::integer),
        later("audio-buffer-length", 0, K::integer),
        later("audio-buffer-delay", 0, K::integer),
        later("audio-player", 0, K::string),
        later("transcode-config", 0, K::string),
        later("mysql-host", 0, K::string),
        later("mysql-port", 0, K::integer),
        later("mysql-user", 0, K::string),
        later("mysql-pass", 0, K::string),
        later("mysql-query", 0, K::string),
        later("moh-max-duration", 0, K::integer),
        later("moh-max-repeats", 0, K::integer),
        later("moh-attr-name", 0, K::string),
        later("moh-prevent-double-hold", 0, K::flag),
    };
}

const OptionTable& OptionTable::instance() {
    static const OptionTable table;
    return table;
}

const OptionSpec* OptionTable::find(std::string_view name) const {
    for (const OptionSpec& spec : options_) {
        if (spec.name == name) {
            return &spec;
        }
    }
    return nullptr;
}

const OptionSpec* OptionTable::findShort(char shortName) const {
    if (shortName == 0) {
        return nullptr;
    }
    for (const OptionSpec& spec : options_) {
        if (spec.shortName == shortName) {
            return &spec;
        }
    }
    return nullptr;
}

std::string OptionTable::usage() const {
    std::string text =
        "Usage: rtprelayd [OPTION...]\n"
        "\n"
        "rtprelay media proxy, a drop-in replacement for rtpengine. Options are rtpengine's and\n"
        "may also be set as `name = value` in the configuration file; list options repeat on\n"
        "the command line and take `;`-separated values in the file. Options without a\n"
        "description are accepted for compatibility but not supported yet.\n"
        "\n";
    for (const OptionSpec& spec : options_) {
        std::string line = "  ";
        line += spec.shortName != 0 ? std::string{'-', spec.shortName, ',', ' '} : "    ";
        line += "--";
        line += spec.name;
        switch (spec.kind) {
            case K::flag:
                break;
            case K::integer:
                line += "=INT";
                break;
            case K::real:
                line += "=NUMBER";
                break;
            case K::string:
                line += "=STRING";
                break;
            case K::list:
                line += "=VALUE";
                break;
        }
        if (!spec.help.empty()) {
            constexpr size_t helpColumn = 36;
            line += line.size() < helpColumn ? std::string(helpColumn - line.size(), ' ') : "  ";
            line += spec.help;
        }
        text += line;
        text += '\n';
    }
    return text;
}

}  // namespace rtprelay::config
