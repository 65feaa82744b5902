// rtp_load: media load for an rtpengine-compatible relay (rtprelayd or rtpengine) on loopback.
//
//   rtp_load HOST:PORT [options]
//
// 1. Sets up N calls over ng (offer + answer, windowed, like bench/ng_load): call i has its own
//    caller and callee UDP sockets on 127.0.0.1 (ports from --local-base upwards, even ports,
//    so the relay's symmetric learning sees each stream from the address its SDP names).
// 2. Blasts RTP both ways for --warmup + --duration seconds: every stream sends --rate packets
//    per second (PCMU, 20 ms, 12-byte header + 160-byte payload = 172 bytes, proper sequence
//    numbers, timestamps and SSRC; the payload carries the stream index, packet index and the
//    send time). One sender thread paces all streams (phases spread evenly over the packet
//    interval); one receiver thread drains all sockets with epoll + recvmmsg. By default it
//    sleeps in epoll_wait, so the relay's sendmsg wakes it (on loopback that wake-up is part
//    of the relay's system time, on a real network it would not be); --sink-poll-us US makes
//    it poll every US microseconds instead (no wake-ups; lat then includes the poll gap).
// 3. The sink counts per stream: received, lost (sent but never received), duplicates,
//    reordered, misrouted (arrived on a socket that is not the stream's peer) and corrupt
//    (RTP header altered) packets, and the one-way latency through the relay:
//      lat     = receive time (CLOCK_MONOTONIC, after recvmmsg) - send time (CLOCK_MONOTONIC,
//                just before sendto), same process (with --sink-poll-us: plus the poll gap);
//      krx     = kernel receive timestamp of the sink socket (SO_TIMESTAMPNS, CLOCK_REALTIME)
//                - send time (CLOCK_REALTIME), i.e. without the sink's own wake-up delay.
//    Percentiles cover packets sent within the measurement window (after the warm-up).
// 4. With --pid PID it samples the daemon's CPU time (utime+stime of /proc/PID/stat, all
//    threads; and the process CPU clock, clock_getcpuclockid, as a finer cross-check), its
//    own CPU time (getrusage) and the machine's (/proc/stat) at the start and the end of the
//    measurement window, and counts the packets that reached the sinks in between: CPU per
//    relayed packet. On loopback the kernel's receive path of a datagram mostly runs as a
//    softirq inside the sender's sendmsg, so it is charged to the sender (the daemon pays for
//    delivering what it relays, the generator for what it sends to the daemon); softirq work
//    the kernel defers to ksoftirqd (under load) is reported apart (ksoftirqd_cpu_s), and
//    other_cpu_s is what the rest of the machine's processes used (sum over /proc/*/stat,
//    reaped children included, minus daemon, generator and ksoftirqd). Whole-machine busy
//    time over the window comes in two forms: stat_busy_cpu_s (/proc/stat user nice system
//    irq softirq steal, tick-sampled) and cpuacct_cpu_s (the root cpuacct cgroup: the exact
//    run time of every task, softirq work done in a task's context included).
// 5. Deletes the calls.
//
// Bounded: call count, duration and a hard wall-clock limit (--time-limit, SIGALRM). Results
// are single lines of key=value pairs on stdout (setup:, blast:, teardown:), for scripts.
//
// The ng requests have the shapes of bench/ng_load's (Kamailio's rtpengine module); the ng
// transport (cookie matching, resend after 1 s, 5 tries) is bench/NgClient, shared with ng_load.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "NgClient.h"
#include "control/Bencode.h"

namespace {

namespace bencode = rtprelay::control::bencode;
using bencode::Value;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr uint32_t magic = 0x52544c44;  // "RTLD"
constexpr size_t headerSize = 12;
constexpr size_t stampSize = 28;             // magic, stream, packet index, mono ns, realtime ns
constexpr uint32_t histogramUs = 1'000'000;  // latencies above 1 s share the last bucket

struct Options {
    std::string server;
    size_t calls = 500;
    double duration = 20;
    double warmup = 2;
    double rate = 50;
    size_t payload = 160;
    uint16_t localBase = 6000;
    uint16_t localMax = 19998;
    size_t window = 32;
    double timeLimit = 0;  // 0: derived from the load
    double drain = 0.5;
    unsigned sinkPollUs = 0;
    std::string prefix;
    pid_t pid = 0;
    bool verbose = false;
    // Network namespaces (paths such as /run/netns/NAME; empty: the current one) for the ng
    // socket, the callers' and the callees' sockets, and their addresses (SDP and binding).
    std::string ngNetns;
    std::string callerNetns;
    std::string calleeNetns;
    std::string callerAddr = "127.0.0.1";
    std::string calleeAddr = "127.0.0.1";
    bool bindAny = false;   // bind 0.0.0.0:port (the route picks the source address)
    std::string direction;  // "IF1,IF2": the offer's direction list (rtpengine interfaces)
    bool rtcpMux = false;   // offer and answer a=rtcp-mux (one relay socket per side)
    size_t setupChunk = 0;  // calls per offer/answer round (0: all offers, then all answers)
    double startAt = 0;     // CLOCK_REALTIME seconds at which the blast starts (0: at once)
    // After the set-up, wait for this file to hold the start time (CLOCK_REALTIME seconds):
    // several generators then start together once all of them have set up their calls.
    std::string startFile;
    // No relay: callers send to --direct's first address, callees to its second (the peer's
    // port), no ng at all (a baseline for the cost of generator and sink).
    std::string directToCallee;
    std::string directToCaller;
};

[[noreturn]] void usage(const char* why) {
    if (why) {
        std::fprintf(stderr, "rtp_load: %s\n", why);
    }
    std::fprintf(
        stderr,
        "usage: rtp_load HOST:PORT [--calls N] [--duration S] [--warmup S] [--rate PPS]\n"
        "                [--payload BYTES] [--local-base PORT] [--local-max PORT]\n"
        "                [--window W] [--pid DAEMON-PID] [--time-limit S] [--drain S]\n"
        "                [--sink-poll-us US] [--prefix CALL-ID-PREFIX] [--verbose]\n"
        "                [--ng-netns PATH] [--caller-netns PATH] [--callee-netns PATH]\n"
        "                [--caller-addr IP4] [--callee-addr IP4] [--bind-any]\n"
        "                [--direction IF1,IF2] [--rtcp-mux] [--setup-chunk N]\n"
        "                [--start-at REALTIME-S] [--start-file PATH]\n"
        "                [--direct TO-CALLEE,TO-CALLER]\n"
        "  sets up N calls (2 local sockets each), sends RTP both ways at PPS per stream for\n"
        "  warmup+duration seconds, measures the last `duration` seconds, deletes the calls.\n"
        "  defaults: 500 calls, 20 s, 2 s warm-up, 50 pps, 160-byte payload, local ports\n"
        "  6000-19998 (even), 32 ng requests in flight; the sink sleeps in epoll_wait\n"
        "  (--sink-poll-us US: it polls every US microseconds instead).\n"
        "  netns options: sockets are created in those network namespaces (setns); --direct:\n"
        "  no relay and no ng (HOST:PORT is then -), streams go straight to the peer.\n"
        "exit status: 0 ok, 1 some call failed or packets were lost/misrouted,\n"
        "             2 usage/socket error, 3 time limit, 4 interrupted\n");
    std::exit(why ? 2 : 0);
}

template <typename T>
T number(std::string_view s, const char* what) {
    T v{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) {
        usage((std::string("bad ") + what + ": " + std::string(s)).c_str());
    }
    return v;
}

double real(std::string_view s, const char* what) {
    std::string v(s);
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (!end || *end || !(d >= 0) || !std::isfinite(d)) {
        usage((std::string("bad ") + what + ": " + v).c_str());
    }
    return d;
}

Options parseArgs(int argc, char** argv) {
    Options o;
    std::vector<std::string_view> positional;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&](const char* name) -> std::string_view {
            if (i + 1 >= argc) {
                usage((std::string(name) + " needs a value").c_str());
            }
            return argv[++i];
        };
        if (a == "--calls" || a == "-n") {
            o.calls = number<size_t>(value("--calls"), "--calls");
        } else if (a == "--duration" || a == "-d") {
            o.duration = real(value("--duration"), "--duration");
        } else if (a == "--warmup") {
            o.warmup = real(value("--warmup"), "--warmup");
        } else if (a == "--rate") {
            o.rate = real(value("--rate"), "--rate");
        } else if (a == "--payload") {
            o.payload = number<size_t>(value("--payload"), "--payload");
        } else if (a == "--local-base") {
            o.localBase = number<uint16_t>(value("--local-base"), "--local-base");
        } else if (a == "--local-max") {
            o.localMax = number<uint16_t>(value("--local-max"), "--local-max");
        } else if (a == "--window" || a == "-w") {
            o.window = number<size_t>(value("--window"), "--window");
        } else if (a == "--pid") {
            o.pid = number<pid_t>(value("--pid"), "--pid");
        } else if (a == "--time-limit" || a == "-t") {
            o.timeLimit = real(value("--time-limit"), "--time-limit");
        } else if (a == "--sink-poll-us") {
            o.sinkPollUs = number<unsigned>(value("--sink-poll-us"), "--sink-poll-us");
        } else if (a == "--drain") {
            o.drain = real(value("--drain"), "--drain");
        } else if (a == "--prefix") {
            o.prefix = value("--prefix");
        } else if (a == "--ng-netns") {
            o.ngNetns = value("--ng-netns");
        } else if (a == "--caller-netns") {
            o.callerNetns = value("--caller-netns");
        } else if (a == "--callee-netns") {
            o.calleeNetns = value("--callee-netns");
        } else if (a == "--caller-addr") {
            o.callerAddr = value("--caller-addr");
        } else if (a == "--callee-addr") {
            o.calleeAddr = value("--callee-addr");
        } else if (a == "--bind-any") {
            o.bindAny = true;
        } else if (a == "--direction") {
            o.direction = value("--direction");
            if (o.direction.find(',') == std::string::npos) {
                usage("--direction needs IF1,IF2");
            }
        } else if (a == "--rtcp-mux") {
            o.rtcpMux = true;
        } else if (a == "--setup-chunk") {
            o.setupChunk = number<size_t>(value("--setup-chunk"), "--setup-chunk");
        } else if (a == "--start-at") {
            o.startAt = real(value("--start-at"), "--start-at");
        } else if (a == "--start-file") {
            o.startFile = value("--start-file");
        } else if (a == "--direct") {
            std::string v(value("--direct"));
            auto comma = v.find(',');
            if (comma == std::string::npos) {
                usage("--direct needs TO-CALLEE,TO-CALLER");
            }
            o.directToCallee = v.substr(0, comma);
            o.directToCaller = v.substr(comma + 1);
        } else if (a == "--verbose" || a == "-v") {
            o.verbose = true;
        } else if (a == "--help" || a == "-h") {
            usage(nullptr);
        } else if (a.size() > 1 && a[0] == '-') {
            usage((std::string("unknown option ") + std::string(a)).c_str());
        } else {
            positional.push_back(a);
        }
    }
    if (positional.size() != 1) {
        usage("need the server's ng address");
    }
    o.server = positional[0];
    if (o.calls == 0 || o.window == 0) {
        usage("--calls and --window must be positive");
    }
    if (!(o.rate > 0) || o.rate > 1000) {
        usage("--rate must be in (0, 1000]");
    }
    if (!(o.duration > 0)) {
        usage("--duration must be positive");
    }
    if (o.payload < stampSize || o.payload > 1400) {
        usage("--payload must be 28..1400 bytes");
    }
    if (o.localBase % 2) {
        ++o.localBase;
    }
    if (o.prefix.empty()) {
        o.prefix = "rtpl" + std::to_string(::getpid());
    }
    if (o.timeLimit == 0) {
        // Setup and teardown at >= 100 requests/s plus the blast plus slack.
        o.timeLimit = 60 + static_cast<double>(o.calls) * 3 / 100 + o.warmup + o.duration;
    }
    return o;
}

std::atomic<bool> interrupted{false};

extern "C" void onSignal(int) {
    interrupted.store(true);
}

extern "C" void onAlarm(int) {
    static const char msg[] = "rtp_load: time limit reached\n";
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(3);
}

std::string sdp(const char* user, size_t session, const std::string& address, uint16_t port,
                bool rtcpMux) {
    return std::string("v=0\r\no=") + user + " " + std::to_string(53655765 + session) +
           " 2353687637 IN IP4 " + address +
           "\r\n"
           "s=-\r\n"
           "c=IN IP4 " +
           address +
           "\r\n"
           "t=0 0\r\n"
           "m=audio " +
           std::to_string(port) +
           " RTP/AVP 0 101\r\n"
           "a=rtpmap:0 PCMU/8000\r\n"
           "a=rtpmap:101 telephone-event/8000\r\n"
           "a=fmtp:101 0-15\r\n"
           "a=ptime:20\r\n"
           "a=sendrecv\r\n" +
           (rtcpMux ? "a=rtcp-mux\r\n" : "");
}

Value strings(std::initializer_list<const char*> items) {
    Value l = Value::list();
    for (const char* s : items) {
        l.push(s);
    }
    return l;
}

std::string callId(const Options& o, size_t i) {
    return o.prefix + "-" + std::to_string(i) + "@127.0.0.1";
}

// Kamailio's rtpengine_manage("replace-origin replace-session-connection ICE=remove") shapes.
Value request(const Options& o, const char* command, size_t i, const std::string* body) {
    Value v = Value::dict();
    v.set("supports", strings({"load limit"}));
    if (body) {
        v.set("sdp", *body);
        v.set("ICE", "remove");
        v.set("replace", strings({"origin", "session-connection"}));
    }
    if (!o.direction.empty() && std::strcmp(command, "offer") == 0) {
        auto comma = o.direction.find(',');
        Value d = Value::list();
        d.push(o.direction.substr(0, comma));
        d.push(o.direction.substr(comma + 1));
        v.set("direction", std::move(d));
    }
    v.set("call-id", callId(o, i));
    bool fromCallee = std::strcmp(command, "answer") == 0;
    Value from = Value::list();
    from.push("IP4");
    from.push(fromCallee ? o.calleeAddr : o.callerAddr);
    v.set("received-from", std::move(from));
    v.set("from-tag", "ft" + std::to_string(i));
    if (std::strcmp(command, "offer") != 0) {
        v.set("to-tag", "tt" + std::to_string(i));
    }
    v.set("command", command);
    return v;
}

bool replyOk(const std::optional<Value>& r, std::string* why) {
    if (!r || !r->isDict()) {
        *why = "no reply";
        return false;
    }
    const Value* result = r->find("result");
    if (!result || !result->isString() || result->str() != "ok") {
        const Value* reason = r->find("error-reason");
        *why = "result=" + (result && result->isString() ? result->str() : "?") +
               (reason && reason->isString() ? " (" + reason->str() + ")" : "");
        return false;
    }
    return true;
}

// The first audio port and the connection address of a reply's SDP (IPv4 only).
std::optional<sockaddr_in> mediaTarget(const Value& reply) {
    const Value* s = reply.find("sdp");
    if (!s || !s->isString()) {
        return std::nullopt;
    }
    std::string_view text = s->str();
    auto m = text.find("\nm=audio ");
    if (m == std::string_view::npos) {
        return std::nullopt;
    }
    unsigned port = 0;
    auto digits = text.substr(m + 9);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || port == 0 || port > 65535) {
        return std::nullopt;
    }
    // Media-level c= wins over the session-level one.
    std::string address;
    for (auto at : {text.find("\nc=IN IP4 ", m), text.rfind("\nc=IN IP4 ", m)}) {
        if (at != std::string_view::npos && address.empty()) {
            auto end = text.find_first_of("\r\n/", at + 10);
            address = std::string(text.substr(at + 10, end - at - 10));
        }
    }
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(static_cast<uint16_t>(port));
    if (address.empty() || ::inet_pton(AF_INET, address.c_str(), &sin.sin_addr) != 1) {
        return std::nullopt;
    }
    return sin;
}

// ---------------------------------------------------------------------------------------
// CPU accounting

struct CpuSample {
    double daemonStat = 0;   // utime+stime, s
    double daemonSched = 0;  // the process CPU clock (clock_getcpuclockid), s
    double self = 0;         // this process, s
    double allProcs = 0;     // every process's utime+stime+cutime+cstime, kernel threads too
    double ksoftirqd = 0;    // the ksoftirqd/N threads, s (deferred network receive work)
    double statBusy = 0;     // /proc/stat: user nice system irq softirq steal, s
    double cpuacct = -1;     // root cpuacct cgroup: every task's exact run time, s (-1: none)
};

double clockTick() {
    static const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return hz;
}

std::string slurp(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "re");
    if (!f) {
        return {};
    }
    std::string s;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        s.append(buf, n);
    }
    std::fclose(f);
    return s;
}

struct ProcTimes {
    bool ok = false;
    std::string comm;
    double own = 0;       // utime+stime, s
    double children = 0;  // cutime+cstime (reaped children), s
};

ProcTimes procTimes(pid_t pid) {
    ProcTimes t;
    std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
    auto open = stat.find('(');
    auto paren = stat.rfind(')');
    if (open == std::string::npos || paren == std::string::npos || paren + 2 > stat.size()) {
        return t;
    }
    t.comm = stat.substr(open + 1, paren - open - 1);
    // Fields after "(comm)": state(3) ... utime(14) stime(15) cutime(16) cstime(17).
    std::vector<std::string_view> f;
    std::string_view rest = std::string_view(stat).substr(paren + 2);
    while (!rest.empty() && f.size() < 15) {
        auto sp = rest.find(' ');
        f.push_back(rest.substr(0, sp));
        rest = sp == std::string_view::npos ? "" : rest.substr(sp + 1);
    }
    if (f.size() < 15) {
        return t;
    }
    auto num = [&](size_t i) { return std::strtod(std::string(f[i]).c_str(), nullptr); };
    t.own = (num(11) + num(12)) / clockTick();
    t.children = (num(13) + num(14)) / clockTick();
    t.ok = true;
    return t;
}

// Per-process figures rather than /proc/stat's machine totals: on this kind of VM (tick-based
// accounting, NO_HZ idle) the machine totals do not add up under a 1 ms periodic load, while
// the per-process times are derived from the scheduler's exact run time.
CpuSample sampleCpu(pid_t pid) {
    CpuSample c;
    // The cheap whole-machine and own figures first, the /proc scan (slow) last.
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    c.self = sec(ru.ru_utime) + sec(ru.ru_stime);
    {
        std::string stat = slurp("/proc/stat");
        unsigned long long v[8] = {};
        if (std::sscanf(stat.c_str(), "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                        &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
            // user nice system [idle iowait] irq softirq steal
            c.statBusy = static_cast<double>(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / clockTick();
        }
        std::string acct = slurp("/sys/fs/cgroup/cpuacct/cpuacct.usage");
        if (!acct.empty()) {
            c.cpuacct = std::strtod(acct.c_str(), nullptr) / 1e9;
        }
    }
    if (pid > 0) {
        // The process CPU clock (all threads, ns resolution) as a finer cross-check.
        clockid_t cid;
        timespec ts;
        if (::clock_getcpuclockid(pid, &cid) == 0 && ::clock_gettime(cid, &ts) == 0) {
            c.daemonSched = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
        }
    }
    if (DIR* d = ::opendir("/proc")) {
        while (dirent* e = ::readdir(d)) {
            pid_t p = static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10));
            if (p <= 0) {
                continue;
            }
            ProcTimes t = procTimes(p);
            if (!t.ok) {
                continue;
            }
            c.allProcs += t.own + t.children;
            if (t.comm.starts_with("ksoftirqd/")) {
                c.ksoftirqd += t.own;
            }
            if (p == pid) {
                c.daemonStat = t.own;
            }
        }
        ::closedir(d);
    }
    return c;
}

// ---------------------------------------------------------------------------------------
// Media

int64_t nowNs(clockid_t clock) {
    timespec ts;
    ::clock_gettime(clock, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void put16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}
uint16_t get16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
           static_cast<uint32_t>(p[2]) << 8 | p[3];
}

// Stream s is sent from socket s; its peer (the socket that should receive it through the
// relay) is s ^ 1. Sockets 2i and 2i+1 are call i's caller and callee.
struct Stream {
    int fd = -1;
    uint16_t localPort = 0;
    sockaddr_in dest{};
    bool active = false;
    uint32_t ssrc = 0;
    uint16_t seqBase = 0;
    uint32_t tsBase = 0;
    // Sender thread.
    uint64_t sent = 0;
    uint64_t sendErrors = 0;
    // Receiver thread (what arrived on THIS socket, i.e. the peer's stream).
    uint64_t received = 0;
    uint64_t duplicates = 0;
    uint64_t reordered = 0;
    uint64_t misrouted = 0;
    uint64_t corrupt = 0;
    int64_t highest = -1;
    std::vector<uint64_t> seen;  // bitmap by packet index
};

struct Histogram {
    std::vector<uint64_t> bucket = std::vector<uint64_t>(histogramUs + 1, 0);
    uint64_t count = 0;
    uint64_t max = 0;
    void add(int64_t ns) {
        uint64_t us = ns < 0 ? 0 : static_cast<uint64_t>(ns / 1000);
        max = std::max(max, us);
        ++bucket[std::min<uint64_t>(us, histogramUs)];
        ++count;
    }
    uint64_t percentile(double p) const {
        if (count == 0) {
            return 0;
        }
        uint64_t rank = static_cast<uint64_t>(std::ceil(p * static_cast<double>(count)));
        rank = std::max<uint64_t>(rank, 1);
        uint64_t acc = 0;
        for (size_t i = 0; i < bucket.size(); ++i) {
            acc += bucket[i];
            if (acc >= rank) {
                return i;
            }
        }
        return histogramUs;
    }
};

struct Shared {
    std::atomic<bool> stopReceiver{false};
    std::atomic<bool> stopSender{false};
    std::atomic<bool> senderDone{false};
    std::atomic<uint64_t> receivedTotal{0};  // written by the receiver only
    std::atomic<int64_t> windowStartMono{INT64_MAX};
    std::atomic<int64_t> windowEndMono{INT64_MAX};
    uint64_t lateTicks = 0;  // sender: ticks started > 2 ms after their due time
    uint64_t maxLateUs = 0;
};

void sender(const Options& o, std::vector<Stream>& streams, Shared& sh, int64_t t0,
            uint64_t packetsPerStream) {
    constexpr int64_t groups = 20;  // phases per packet interval
    const double intervalNs = 1e9 / o.rate;
    const size_t packetSize = headerSize + o.payload;
    std::vector<uint8_t> buf(packetSize, 0xff);  // PCMU silence after the stamp
    std::vector<size_t> order;
    for (size_t s = 0; s < streams.size(); ++s) {
        if (streams[s].active) {
            order.push_back(s);
        }
    }
    const uint64_t totalTicks = packetsPerStream * groups;
    for (uint64_t tick = 0; tick < totalTicks; ++tick) {
        if (sh.stopSender.load(std::memory_order_relaxed) || interrupted.load()) {
            break;
        }
        int64_t due = t0 + static_cast<int64_t>(static_cast<double>(tick) * intervalNs / groups);
        timespec ts{static_cast<time_t>(due / 1'000'000'000),
                    static_cast<long>(due % 1'000'000'000)};
        while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
        }
        int64_t late = nowNs(CLOCK_MONOTONIC) - due;
        if (late > 2'000'000) {
            ++sh.lateTicks;
        }
        sh.maxLateUs =
            std::max<uint64_t>(sh.maxLateUs, late > 0 ? static_cast<uint64_t>(late / 1000) : 0);
        uint64_t k = tick / groups;
        size_t group = tick % groups;
        for (size_t j = group; j < order.size(); j += groups) {
            Stream& st = streams[order[j]];
            uint8_t* p = buf.data();
            p[0] = 0x80;
            p[1] = static_cast<uint8_t>((k == 0 ? 0x80 : 0) | 0);  // marker on the first, PT 0
            put16(p + 2, static_cast<uint16_t>(st.seqBase + k));
            put32(p + 4, static_cast<uint32_t>(st.tsBase + k * 160));
            put32(p + 8, st.ssrc);
            uint8_t* d = p + headerSize;
            put32(d, magic);
            put32(d + 4, static_cast<uint32_t>(order[j]));
            put32(d + 8, static_cast<uint32_t>(k));
            int64_t mono = nowNs(CLOCK_MONOTONIC);
            int64_t wall = nowNs(CLOCK_REALTIME);
            std::memcpy(d + 12, &mono, 8);
            std::memcpy(d + 20, &wall, 8);
            ssize_t n = ::sendto(st.fd, buf.data(), packetSize, MSG_DONTWAIT,
                                 reinterpret_cast<const sockaddr*>(&st.dest), sizeof st.dest);
            if (n == static_cast<ssize_t>(packetSize)) {
                ++st.sent;
            } else {
                ++st.sendErrors;
            }
        }
    }
    sh.senderDone.store(true);
}

void receiver(const Options& o, std::vector<Stream>& streams, Shared& sh, Histogram& lat,
              Histogram& krx) {
    int ep = ::epoll_create1(EPOLL_CLOEXEC);
    for (size_t s = 0; s < streams.size(); ++s) {
        if (!streams[s].active) {
            continue;
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = s;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, streams[s].fd, &ev);
    }
    constexpr size_t batch = 8;
    const size_t packetSize = headerSize + o.payload;
    std::vector<std::vector<uint8_t>> bufs(batch, std::vector<uint8_t>(2048));
    mmsghdr msgs[batch];
    iovec iov[batch];
    alignas(cmsghdr) char control[batch][64];
    std::vector<epoll_event> events(512);
    uint64_t total = 0;
    while (!sh.stopReceiver.load(std::memory_order_relaxed)) {
        // Polling (--sink-poll-us): the sink is not blocked in epoll_wait when packets arrive,
        // so the relay's sendmsg does not pay for waking it up. krx is unaffected; lat
        // includes the poll gap.
        int n =
            ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), o.sinkPollUs ? 0 : 20);
        if (o.sinkPollUs && n < static_cast<int>(events.size())) {
            timespec gap{0, static_cast<long>(o.sinkPollUs) * 1000};
            ::nanosleep(&gap, nullptr);
        }
        for (int e = 0; e < n; ++e) {
            size_t s = events[e].data.u64;
            Stream& st = streams[s];
            for (size_t i = 0; i < batch; ++i) {
                iov[i] = {bufs[i].data(), bufs[i].size()};
                msgs[i].msg_hdr = {};
                msgs[i].msg_hdr.msg_iov = &iov[i];
                msgs[i].msg_hdr.msg_iovlen = 1;
                msgs[i].msg_hdr.msg_control = control[i];
                msgs[i].msg_hdr.msg_controllen = sizeof control[i];
            }
            int got = ::recvmmsg(st.fd, msgs, batch, MSG_DONTWAIT, nullptr);
            if (got <= 0) {
                continue;
            }
            int64_t mono = nowNs(CLOCK_MONOTONIC);
            int64_t winStart = sh.windowStartMono.load(std::memory_order_relaxed);
            int64_t winEnd = sh.windowEndMono.load(std::memory_order_relaxed);
            for (int i = 0; i < got; ++i) {
                const uint8_t* p = bufs[i].data();
                size_t len = msgs[i].msg_len;
                ++total;
                if (len != packetSize || (p[0] & 0xc0) != 0x80 || get32(p + headerSize) != magic) {
                    ++st.corrupt;
                    continue;
                }
                const uint8_t* d = p + headerSize;
                uint32_t from = get32(d + 4);
                uint32_t k = get32(d + 8);
                if (from != (s ^ 1) || from >= streams.size()) {
                    ++st.misrouted;
                    continue;
                }
                const Stream& src = streams[from];
                if (get16(p + 2) != static_cast<uint16_t>(src.seqBase + k) ||
                    get32(p + 8) != src.ssrc || k / 64 >= st.seen.size()) {
                    ++st.corrupt;
                    continue;
                }
                uint64_t bit = uint64_t{1} << (k % 64);
                if (st.seen[k / 64] & bit) {
                    ++st.duplicates;
                    continue;
                }
                st.seen[k / 64] |= bit;
                ++st.received;
                if (static_cast<int64_t>(k) < st.highest) {
                    ++st.reordered;
                }
                st.highest = std::max<int64_t>(st.highest, k);
                int64_t sentMono;
                int64_t sentWall;
                std::memcpy(&sentMono, d + 12, 8);
                std::memcpy(&sentWall, d + 20, 8);
                if (sentMono >= winStart && sentMono < winEnd) {
                    lat.add(mono - sentMono);
                    for (cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c;
                         c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                            timespec ts;
                            std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                            krx.add(static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec -
                                    sentWall);
                        }
                    }
                }
            }
            sh.receivedTotal.store(total, std::memory_order_relaxed);
        }
    }
    ::close(ep);
}

void sleepUntil(int64_t monoNs) {
    timespec ts{static_cast<time_t>(monoNs / 1'000'000'000),
                static_cast<long>(monoNs % 1'000'000'000)};
    while (!interrupted.load() &&
           ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
}

// Moves the calling thread into the network namespace at `path` (no-op for ""): sockets
// created afterwards live there, whatever namespace the process moves to later.
void enterNetns(const std::string& path) {
    if (path.empty()) {
        return;
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "rtp_load: cannot enter the network namespace %s: %s\n", path.c_str(),
                     std::strerror(errno));
        std::exit(2);
    }
    ::close(fd);
}

bool parseIp4(const std::string& text, sockaddr_in* out) {
    *out = sockaddr_in{};
    out->sin_family = AF_INET;
    return ::inet_pton(AF_INET, text.c_str(), &out->sin_addr) == 1;
}

void raiseFileLimit(size_t need) {
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < need) {
        rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, std::max<rlim_t>(need, rl.rlim_cur));
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
    ::getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < need) {
        std::fprintf(stderr, "rtp_load: need %zu descriptors, the limit is %llu\n", need,
                     static_cast<unsigned long long>(rl.rlim_cur));
        std::exit(2);
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options o = parseArgs(argc, argv);
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    sa.sa_handler = onAlarm;
    ::sigaction(SIGALRM, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    ::alarm(static_cast<unsigned>(std::ceil(o.timeLimit)));

    const size_t nStreams = 2 * o.calls;
    raiseFileLimit(nStreams + 64);
    const bool direct = !o.directToCallee.empty();
    int ng = -1;
    if (!direct) {
        enterNetns(o.ngNetns);
        ng = rtprelay::bench::connectNgSocket("rtp_load", o.server, 4 << 20);
    }

    // Local media sockets: even ports from localBase, skipping ports in use; callers (even
    // streams) first, in their namespace, then callees.
    std::vector<Stream> streams(nStreams);
    unsigned port = o.localBase;
    for (size_t side = 0; side < 2; ++side) {
        enterNetns(side == 0 ? o.callerNetns : o.calleeNetns);
        sockaddr_in bindTo{};
        if (!parseIp4(o.bindAny ? "0.0.0.0" : side == 0 ? o.callerAddr : o.calleeAddr, &bindTo)) {
            std::fprintf(stderr, "rtp_load: bad IPv4 address for the %s\n",
                         side == 0 ? "callers" : "callees");
            return 2;
        }
        for (size_t s = side; s < nStreams; s += 2) {
            for (;;) {
                if (port > o.localMax) {
                    std::fprintf(stderr,
                                 "rtp_load: not enough free even ports in %u-%u for %zu sockets\n",
                                 o.localBase, o.localMax, nStreams);
                    return 2;
                }
                int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                sockaddr_in sin = bindTo;
                sin.sin_port = htons(static_cast<uint16_t>(port));
                port += 2;
                if (fd < 0) {
                    std::perror("rtp_load: socket");
                    return 2;
                }
                if (::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
                    ::close(fd);
                    continue;
                }
                int one = 1;
                ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
                streams[s].fd = fd;
                streams[s].localPort = ntohs(sin.sin_port);
                break;
            }
            streams[s].ssrc = 0x5eed0000u ^ static_cast<uint32_t>(s * 2654435761u);
            streams[s].seqBase = static_cast<uint16_t>(s * 7919 + 1);
            streams[s].tsBase = static_cast<uint32_t>(s * 104729u);
        }
    }

    // Set-up: offers then answers, in rounds of setupChunk calls (all calls in one round by
    // default). Small rounds keep the relay's transient sockets (RTCP ones, closed at the answer
    // with rtcp-mux) few.
    rtprelay::bench::NgClient ngx(ng, o.prefix);
    auto t0 = Clock::now();
    std::vector<std::optional<Value>> offerReplies(o.calls);
    std::vector<std::optional<Value>> answerReplies(o.calls);
    const size_t chunk = o.setupChunk ? o.setupChunk : o.calls;
    for (size_t first = 0; !direct && first < o.calls && !interrupted.load(); first += chunk) {
        size_t last = std::min(o.calls, first + chunk);
        std::vector<Value> offers;
        std::vector<Value> answers;
        for (size_t i = first; i < last; ++i) {
            std::string body =
                sdp("caller", 2 * i, o.callerAddr, streams[2 * i].localPort, o.rtcpMux);
            offers.push_back(request(o, "offer", i, &body));
        }
        auto replies = ngx.exchange(offers, o.window, interrupted);
        for (size_t i = first; i < last; ++i) {
            offerReplies[i] = std::move(replies[i - first]);
            std::string body =
                sdp("callee", 2 * i + 1, o.calleeAddr, streams[2 * i + 1].localPort, o.rtcpMux);
            answers.push_back(request(o, "answer", i, &body));
        }
        replies = ngx.exchange(answers, o.window, interrupted);
        for (size_t i = first; i < last; ++i) {
            answerReplies[i] = std::move(replies[i - first]);
        }
    }
    size_t ok = 0;
    std::string firstError;
    sockaddr_in toCallee{};
    sockaddr_in toCaller{};
    if (direct &&
        (!parseIp4(o.directToCallee, &toCallee) || !parseIp4(o.directToCaller, &toCaller))) {
        std::fprintf(stderr, "rtp_load: bad --direct addresses\n");
        return 2;
    }
    for (size_t i = 0; i < o.calls; ++i) {
        std::string why;
        std::optional<sockaddr_in> towardsCaller;  // where the callee sends (offer's SDP)
        std::optional<sockaddr_in> towardsCallee;  // where the caller sends (answer's SDP)
        if (direct) {
            towardsCallee = toCallee;
            towardsCallee->sin_port = htons(streams[2 * i + 1].localPort);
            towardsCaller = toCaller;
            towardsCaller->sin_port = htons(streams[2 * i].localPort);
        } else if (replyOk(offerReplies[i], &why)) {
            towardsCaller = mediaTarget(*offerReplies[i]);
            if (!towardsCaller) {
                why = "offer reply without a usable SDP";
            }
        } else {
            why = "offer: " + why;
        }
        if (towardsCaller && !direct) {
            if (replyOk(answerReplies[i], &why)) {
                towardsCallee = mediaTarget(*answerReplies[i]);
                if (!towardsCallee) {
                    why = "answer reply without a usable SDP";
                }
            } else {
                why = "answer: " + why;
            }
        }
        if (towardsCaller && towardsCallee) {
            streams[2 * i].dest = *towardsCallee;
            streams[2 * i + 1].dest = *towardsCaller;
            streams[2 * i].active = streams[2 * i + 1].active = true;
            ++ok;
        } else if (firstError.empty()) {
            firstError = why;
        }
    }
    double setupWall = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("setup: calls=%zu ok=%zu failed=%zu wall_s=%.3f local_ports=%u-%u\n", o.calls, ok,
                o.calls - ok, setupWall, streams.front().localPort, streams.back().localPort);
    if (!firstError.empty()) {
        std::printf("setup: first error: %s\n", firstError.c_str());
    }
    std::fflush(stdout);

    int status = ok == o.calls ? 0 : 1;
    if (ok > 0 && !interrupted.load()) {
        const uint64_t packetsPerStream =
            static_cast<uint64_t>(std::ceil((o.warmup + o.duration) * o.rate));
        for (auto& st : streams) {
            st.seen.assign((packetsPerStream + 63) / 64, 0);
        }
        Shared sh;
        auto lat = std::make_unique<Histogram>();
        auto krx = std::make_unique<Histogram>();
        double lateStart = 0;  // s the set-up overran --start-at
        double startAt = o.startAt;
        while (!o.startFile.empty() && startAt <= 0 && !interrupted.load()) {
            std::string text = slurp(o.startFile);
            if (!text.empty() && text.back() == '\n') {
                startAt = std::strtod(text.c_str(), nullptr);
            } else {
                sleepUntil(nowNs(CLOCK_MONOTONIC) + 10'000'000);
            }
        }
        int64_t start = nowNs(CLOCK_MONOTONIC) + 100'000'000;
        if (startAt > 0) {
            int64_t at = static_cast<int64_t>(startAt * 1e9) - nowNs(CLOCK_REALTIME) +
                         nowNs(CLOCK_MONOTONIC);
            lateStart = std::max(0.0, static_cast<double>(start - at) / 1e9);
            start = std::max(start, at);
        }
        int64_t winStart = start + static_cast<int64_t>(o.warmup * 1e9);
        int64_t winEnd = winStart + static_cast<int64_t>(o.duration * 1e9);
        sh.windowStartMono.store(winStart);
        sh.windowEndMono.store(winEnd);
        std::thread rx(receiver, std::cref(o), std::ref(streams), std::ref(sh), std::ref(*lat),
                       std::ref(*krx));
        std::thread tx(sender, std::cref(o), std::ref(streams), std::ref(sh), start,
                       packetsPerStream);

        sleepUntil(winStart);
        CpuSample c0 = sampleCpu(o.pid);
        uint64_t r0 = sh.receivedTotal.load();
        int64_t w0 = nowNs(CLOCK_MONOTONIC);
        sleepUntil(winEnd);
        CpuSample c1 = sampleCpu(o.pid);
        uint64_t r1 = sh.receivedTotal.load();
        int64_t w1 = nowNs(CLOCK_MONOTONIC);
        bool daemonAlive = o.pid <= 0 || ::kill(o.pid, 0) == 0;

        // A sender that fell behind (more load than this machine can generate) stops 1 s after
        // the window instead of sending the backlog: what it did not send counts neither as
        // sent nor as lost, and window_pps shows the shortfall.
        while (!sh.senderDone.load() && nowNs(CLOCK_MONOTONIC) < winEnd + 1'000'000'000 &&
               !interrupted.load()) {
            sleepUntil(nowNs(CLOCK_MONOTONIC) + 10'000'000);
        }
        sh.stopSender.store(true);
        tx.join();
        sleepUntil(nowNs(CLOCK_MONOTONIC) + static_cast<int64_t>(o.drain * 1e9));
        sh.stopReceiver.store(true);
        rx.join();

        uint64_t sent = 0, sendErrors = 0, received = 0, dups = 0, reordered = 0, misrouted = 0,
                 corrupt = 0, streamsLossy = 0, streamsSilent = 0, lost = 0;
        for (size_t s = 0; s < streams.size(); ++s) {
            const Stream& st = streams[s];
            if (!st.active) {
                continue;
            }
            const Stream& peer = streams[s ^ 1];  // what arrives on st was sent by peer
            sent += st.sent;
            sendErrors += st.sendErrors;
            received += st.received;
            dups += st.duplicates;
            reordered += st.reordered;
            misrouted += st.misrouted;
            corrupt += st.corrupt;
            uint64_t l = peer.sent > st.received ? peer.sent - st.received : 0;
            lost += l;
            streamsLossy += l > 0;
            streamsSilent += st.received == 0;
        }
        double window = static_cast<double>(w1 - w0) / 1e9;
        uint64_t relayed = r1 - r0;
        double dStat = c1.daemonStat - c0.daemonStat;
        double dSched = c1.daemonSched - c0.daemonSched;
        double gen = c1.self - c0.self;
        double machine = c1.allProcs - c0.allProcs;
        double ksoft = c1.ksoftirqd - c0.ksoftirqd;
        double other = machine - (o.pid > 0 ? dStat : 0) - gen - ksoft;
        auto perPacket = [&](double cpu) {
            return relayed ? cpu * 1e6 / static_cast<double>(relayed) : 0.0;
        };
        std::printf(
            "blast: calls=%zu streams=%zu rate=%.0f packet_bytes=%zu warmup_s=%.1f "
            "sent=%llu send_errors=%llu received=%llu lost=%llu loss_pct=%.4f "
            "duplicates=%llu reordered=%llu misrouted=%llu corrupt=%llu lossy_streams=%llu "
            "silent_streams=%llu window_s=%.3f window_relayed=%llu window_pps=%.0f "
            "lat_us_p50=%llu lat_us_p99=%llu lat_us_p999=%llu lat_us_max=%llu "
            "krx_us_p50=%llu krx_us_p99=%llu late_ticks=%llu max_late_us=%llu "
            "late_start_s=%.3f",
            ok, 2 * ok, o.rate, headerSize + o.payload, o.warmup, (unsigned long long)sent,
            (unsigned long long)sendErrors, (unsigned long long)received, (unsigned long long)lost,
            sent ? 100.0 * static_cast<double>(lost) / static_cast<double>(sent) : 0.0,
            (unsigned long long)dups, (unsigned long long)reordered, (unsigned long long)misrouted,
            (unsigned long long)corrupt, (unsigned long long)streamsLossy,
            (unsigned long long)streamsSilent, window, (unsigned long long)relayed,
            window > 0 ? static_cast<double>(relayed) / window : 0.0,
            (unsigned long long)lat->percentile(0.5), (unsigned long long)lat->percentile(0.99),
            (unsigned long long)lat->percentile(0.999), (unsigned long long)lat->max,
            (unsigned long long)krx->percentile(0.5), (unsigned long long)krx->percentile(0.99),
            (unsigned long long)sh.lateTicks, (unsigned long long)sh.maxLateUs, lateStart);
        if (o.pid > 0) {
            std::printf(
                " daemon_cpu_s=%.2f daemon_clock_s=%.3f daemon_us_per_packet=%.3f "
                "daemon_clock_us_per_packet=%.3f daemon_alive=%d",
                dStat, dSched, perPacket(dStat), perPacket(dSched), daemonAlive ? 1 : 0);
        }
        std::printf(
            " gen_cpu_s=%.2f gen_us_per_packet=%.3f all_processes_cpu_s=%.2f "
            "ksoftirqd_cpu_s=%.2f other_cpu_s=%.2f stat_busy_cpu_s=%.2f cpuacct_cpu_s=%.3f\n",
            gen, perPacket(gen), machine, ksoft, other, c1.statBusy - c0.statBusy,
            c0.cpuacct < 0 ? -1.0 : c1.cpuacct - c0.cpuacct);
        std::fflush(stdout);
        if (lost || misrouted || corrupt || dups || streamsSilent || !daemonAlive) {
            status = 1;
        }
    }

    // Teardown.
    std::vector<Value> deletes;
    std::vector<size_t> which;
    for (size_t i = 0; i < o.calls; ++i) {
        if (offerReplies[i]) {
            deletes.push_back(request(o, "delete", i, nullptr));
            which.push_back(i);
        }
    }
    bool wasInterrupted = interrupted.exchange(false);
    auto t1 = Clock::now();
    auto deleteReplies = ngx.exchange(deletes, o.window, interrupted);
    size_t deleted = 0;
    for (auto& r : deleteReplies) {
        std::string why;
        deleted += replyOk(r, &why);
    }
    std::printf("teardown: calls=%zu ok=%zu failed=%zu wall_s=%.3f\n", deletes.size(), deleted,
                deletes.size() - deleted, std::chrono::duration<double>(Clock::now() - t1).count());
    for (auto& st : streams) {
        ::close(st.fd);
    }
    if (wasInterrupted) {
        return 4;
    }
    if (deleted != deletes.size()) {
        status = 1;
    }
    return status;
}
