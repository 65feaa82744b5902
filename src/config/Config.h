#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/IpAddress.h"
#include "common/NetworkList.h"

namespace rtprelay::config {

enum class EndpointLearning { delayed, immediate, off, heuristic };

// One address of a logical interface (`interface = [NAME/]ADDR[!ADVERTISED]`).
// A spec naming a system device or `any` expands to one entry per address.
struct InterfaceAddress {
    std::string name = "default";
    net::IpAddress local;
    net::IpAddress advertised;  // equals `local` when no `!ADVERTISED` was given
};

// Everything rtprelayd reads from rtpengine.conf and the command line, with rtpengine's
// code defaults. Field comments name the option.
struct Config {
    // Where the values came from (kept so SIGHUP can reload the same way).
    std::string configFile;  // empty: no file was read
    std::string configSection = "rtpengine";

    // Process and logging.
    bool foreground = false;             // foreground / -f
    bool logStderr = false;              // log-stderr / -E
    bool noLogTimestamps = false;        // no-log-timestamps
    std::string pidfile;                 // pidfile / -p
    int logLevel = 6;                    // log-level / -L, syslog levels 0..7
    std::string logFacility = "daemon";  // log-facility
    std::string logFacilityCdr;          // log-facility-cdr; empty = no CDRs
    std::string logName = "rtprelay";    // log-name (syslog ident)

    // Interfaces and listeners.
    std::vector<InterfaceAddress> interfaces;  // interface / -i, in configuration order
    std::vector<net::Endpoint> listenNg;       // listen-ng / -n
    std::vector<net::Endpoint> listenTcpNg;    // listen-tcp-ng / -N
    std::vector<net::Endpoint> listenCli;      // listen-cli / -c
    std::vector<net::Endpoint> listenHttp;     // listen-http
    // Source networks allowed to use the control listeners; unset: any source.
    std::optional<net::NetworkList> controlAllow;  // control-allow: ng, CLI and HTTP
    std::optional<net::NetworkList> ngAllow;       // ng-allow: ng (UDP, TCP), over control-allow
    std::optional<net::NetworkList> cliAllow;      // cli-allow: listen-cli, over control-allow
    std::optional<net::NetworkList> httpAllow;     // http-allow: listen-http, over control-allow
    std::string httpSecret;  // http-secret: bearer token for POST /ng and /cli/; empty = none
    int portMin = 30000;     // port-min / -m
    int portMax = 39999;     // port-max / -M

    // Timers (seconds).
    int timeout = 60;          // timeout / -o
    int silentTimeout = 3600;  // silent-timeout / -s
    int finalTimeout = 0;      // final-timeout / -a, 0 = off
    int offerTimeout = 3600;   // offer-timeout
    int deleteDelay = 30;      // delete-delay / -d

    // Kernel path and nftables.
    int table = -1;               // table / -t; -1 = userspace only
    bool noFallback = false;      // no-fallback / -F
    int kernelTableSize = 65536;  // kernel-table-size: forwarding entries (eBPF maps)
    // kernel-redirect-peer: entries out of a veth into another namespace hand packets to the
    // peer (bpf_redirect_peer), skipping the veth's qdisc and tc egress hooks
    bool kernelRedirectPeer = true;
    int kernelNeighbourInterval = 5;  // kernel-neighbour-interval: seconds between MAC checks
    std::string nftablesChain;        // nftables-chain; default "rtpengine_<table>"
    std::string nftablesBaseChain = "INPUT";  // nftables-base-chain
    bool nftablesAppend = false;              // nftables-append
    std::string nftablesFamily = "ip,ip6";    // nftables-family
    bool nftablesStart = false;               // nftables-start: set up the objects and exit
    bool nftablesStop = false;                // nftables-stop: remove them and exit
    bool nftablesStatus = false;              // nftables-status: check them and exit

    // Media behaviour and limits.
    int numThreads = 0;  // num-threads; default = number of CPUs, at least 4
    int tos = 0;         // tos / -T, 0 = untouched
    EndpointLearning endpointLearning = EndpointLearning::heuristic;  // endpoint-learning
    int maxSessions = -1;  // max-sessions, -1 = unlimited
    // io-uring: the media threads relay through io_uring where the kernel allows it, else
    // epoll (rtpengine's default is off; ours is on: about half the CPU per packet).
    bool ioUring = true;
    int ioUringBuffers = 1024;  // io-uring-buffers: receive buffers per media thread

    // Monitoring, persistence, recording (parsed now, capabilities arrive later).
    std::optional<net::Endpoint> homer;    // homer
    std::string homerProtocol = "udp";     // homer-protocol: udp | tcp
    int homerId = 2001;                    // homer-id
    std::string redis;                     // redis / -r  [PW@]HOST:PORT/DB
    int redisDb = -1;                      // redis-db (rtprelay extra; -1 = from `redis`)
    std::string recordingDir;              // recording-dir
    std::string recordingMethod = "pcap";  // recording-method: pcap | proc | all
    std::string recordingFormat = "raw";   // recording-format: raw | eth
    std::string b2bUrl;                    // b2b-url / -b
    bool dtlsPassive = false;              // dtls-passive

    // Options that were set but whose capability is not built yet, in the order seen.
    // The daemon logs "option X is not supported yet, ignored" once for each.
    std::vector<std::string> unsupportedOptionsSet;
};

// Outcome of reading the command line and the configuration file.
struct LoadResult {
    std::optional<Config> config;       // empty on error
    std::string error;                  // one line: option, value, reason
    std::vector<std::string> warnings;  // e.g. unknown key "foo" at line 12
    bool exitNow = false;               // --version / --help handled, exit with status 0
    std::string output;                 // text to print for --version / --help
};

// Parses argv (rtpengine's long and short options), then the configuration file
// (--config-file, or /etc/rtprelay/rtprelay.conf then /etc/rtpengine/rtpengine.conf),
// then applies command-line overrides and validates the result.
LoadResult load(const std::vector<std::string>& args);

}  // namespace rtprelay::config
