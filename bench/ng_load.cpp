// ng_load: a load client for the ng control protocol (rtpengine and rtprelayd).
//
//   ng_load cycles HOST:PORT [options]   N offer+answer+delete cycles, W requests in flight
//   ng_load hold HOST:PORT [options]     set up N calls (offer+answer), print READY, wait for a
//                                        line on stdin or SIGUSR1/SIGINT/SIGTERM, delete them
//   ng_load ping HOST:PORT [options]     ping every 100 ms until pong or the time limit
//
// One UDP socket; every request carries a fresh cookie and replies are matched by it. A request
// without a reply is sent again (same cookie) after 1 s and given up after 5 tries (NgClient,
// shared with rtp_load). Each of the
// W slots drives one call through its steps, so W requests are in flight at any time. The run
// is bounded by the call count and by a hard wall-clock limit (--time-limit).
//
// Results are single lines of key=value pairs on stdout, for scripts to read.

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
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
using rtprelay::bench::NgCompletion;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

enum class Step { offer, answer, del };

const char* stepName(Step s) {
    switch (s) {
        case Step::offer:
            return "offer";
        case Step::answer:
            return "answer";
        case Step::del:
            return "delete";
    }
    return "?";
}

struct Options {
    std::string mode;
    std::string server;
    size_t count = 1000;
    size_t window = 32;
    double timeLimit = 600;
    std::string prefix;
    std::optional<int64_t> deleteDelay;
    bool verbose = false;
};

[[noreturn]] void usage(const char* why) {
    if (why) {
        std::fprintf(stderr, "ng_load: %s\n", why);
    }
    std::fprintf(stderr,
                 "usage: ng_load cycles|hold|ping HOST:PORT [--count N] [--window W]\n"
                 "               [--time-limit SECONDS] [--prefix CALL-ID-PREFIX]\n"
                 "               [--delete-delay N] [--verbose]\n"
                 "  cycles  N offer+answer+delete cycles, prints cycles per second\n"
                 "  hold    N offer+answer, prints READY, waits for a stdin line or SIGUSR1,\n"
                 "          then deletes the N calls\n"
                 "  ping    pings every 100 ms until the daemon answers or the time limit\n"
                 "exit status: 0 all ok, 1 some request failed, 2 usage/socket error,\n"
                 "             3 time limit reached, 4 interrupted\n");
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
        if (a == "--count" || a == "-n") {
            o.count = number<size_t>(value("--count"), "--count");
        } else if (a == "--window" || a == "-w") {
            o.window = number<size_t>(value("--window"), "--window");
        } else if (a == "--time-limit" || a == "-t") {
            std::string v(value("--time-limit"));
            char* end = nullptr;
            o.timeLimit = std::strtod(v.c_str(), &end);
            if (!end || *end || !(o.timeLimit > 0)) {
                usage("bad --time-limit");
            }
        } else if (a == "--prefix") {
            o.prefix = value("--prefix");
        } else if (a == "--delete-delay") {
            o.deleteDelay = number<int64_t>(value("--delete-delay"), "--delete-delay");
        } else if (a == "--verbose" || a == "-v") {
            o.verbose = true;
        } else if (a == "--help" || a == "-h") {
            usage(nullptr);
        } else if (!a.empty() && a[0] == '-') {
            usage((std::string("unknown option ") + std::string(a)).c_str());
        } else {
            positional.push_back(a);
        }
    }
    if (positional.size() != 2) {
        usage("need a mode and a server address");
    }
    o.mode = positional[0];
    o.server = positional[1];
    if (o.mode != "cycles" && o.mode != "hold" && o.mode != "ping") {
        usage("mode must be cycles, hold or ping");
    }
    if (o.window == 0 || o.count == 0) {
        usage("--count and --window must be positive");
    }
    if (o.prefix.empty()) {
        o.prefix = "ngl" + std::to_string(::getpid());
    }
    return o;
}

// What SIPp's uac/uas scenarios send, varied per call (session id, port). Media addresses are
// loopback and the ports (6000-13998) lie below the benchmark's ng and media ports, so a daemon
// never has a reason to send anything elsewhere (and no media flows anyway).
std::string callerSdp(size_t i) {
    return "v=0\r\n"
           "o=user1 " +
           std::to_string(53655765 + i) +
           " 2353687637 IN IP4 127.0.0.1\r\n"
           "s=-\r\n"
           "c=IN IP4 127.0.0.1\r\n"
           "t=0 0\r\n"
           "m=audio " +
           std::to_string(6000 + 2 * (i % 2000)) +
           " RTP/AVP 0 8 101\r\n"
           "a=rtpmap:0 PCMU/8000\r\n"
           "a=rtpmap:8 PCMA/8000\r\n"
           "a=rtpmap:101 telephone-event/8000\r\n"
           "a=fmtp:101 0-15\r\n"
           "a=ptime:20\r\n";
}

std::string calleeSdp(size_t i) {
    return "v=0\r\n"
           "o=user2 " +
           std::to_string(1234 + i) +
           " 5678 IN IP4 127.0.0.1\r\n"
           "s=-\r\n"
           "c=IN IP4 127.0.0.1\r\n"
           "t=0 0\r\n"
           "m=audio " +
           std::to_string(10000 + 2 * (i % 2000)) +
           " RTP/AVP 8 101\r\n"
           "a=rtpmap:8 PCMA/8000\r\n"
           "a=rtpmap:101 telephone-event/8000\r\n"
           "a=fmtp:101 0-15\r\n"
           "a=ptime:20\r\n";
}

Value strings(std::initializer_list<const char*> items) {
    Value l = Value::list();
    for (const char* s : items) {
        l.push(s);
    }
    return l;
}

// Requests as Kamailio 5.6's rtpengine module (Debian 12) sends them for a typical
// rtpengine_manage("replace-origin replace-session-connection ICE=remove"): same keys, same
// order.
Value buildRequest(const Options& o, Step step, size_t i) {
    std::string callId = o.prefix + "-" + std::to_string(i) + "@127.0.0.1";
    std::string fromTag = "ft" + std::to_string(i);
    std::string toTag = "tt" + std::to_string(i);
    Value v = Value::dict();
    switch (step) {
        case Step::offer:
            v.set("supports", strings({"load limit"}));
            v.set("sdp", callerSdp(i));
            v.set("ICE", "remove");
            v.set("replace", strings({"origin", "session-connection"}));
            v.set("call-id", callId);
            v.set("received-from", strings({"IP4", "127.0.0.1"}));
            v.set("from-tag", fromTag);
            v.set("command", "offer");
            break;
        case Step::answer:
            v.set("supports", strings({"load limit"}));
            v.set("sdp", calleeSdp(i));
            v.set("ICE", "remove");
            v.set("replace", strings({"origin", "session-connection"}));
            v.set("call-id", callId);
            v.set("received-from", strings({"IP4", "127.0.0.1"}));
            v.set("from-tag", fromTag);
            v.set("to-tag", toTag);
            v.set("command", "answer");
            break;
        case Step::del:
            v.set("supports", strings({"load limit"}));
            v.set("call-id", callId);
            v.set("received-from", strings({"IP4", "127.0.0.1"}));
            v.set("from-tag", fromTag);
            v.set("to-tag", toTag);
            if (o.deleteDelay) {
                v.set("delete-delay", Value(*o.deleteDelay));
            }
            v.set("command", "delete");
            break;
    }
    return v;
}

struct Stats {
    size_t requests = 0;  // distinct requests (cookies)
    size_t sent = 0;      // datagrams including retransmissions
    size_t retransmits = 0;
    size_t errors = 0;    // replies that are not result=ok (or lack the SDP)
    size_t warnings = 0;  // ok replies carrying a warning
    size_t timeouts = 0;  // requests given up after maxTries
    size_t stray = 0;     // replies to no pending request (late duplicates, garbage)
    size_t callsOk = 0;   // calls whose every step succeeded
    size_t callsFailed = 0;
    std::vector<uint32_t> rttUs[3];  // first send to reply, per step
    std::string firstError;
};

uint32_t percentile(std::vector<uint32_t>& v, double p) {
    if (v.empty()) {
        return 0;
    }
    size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(k), v.end());
    return v[k];
}

enum class Outcome { done, timeLimit, interrupted };

class Runner {
public:
    Runner(const Options& o, rtprelay::bench::NgClient& client, int sigfd,
           Clock::time_point deadline)
        : o_(o), client_(client), sigfd_(sigfd), deadline_(deadline) {}

    // Drives calls [0, count) through `steps`, `window` calls at a time.
    Outcome run(std::vector<Step> steps, Stats& st) {
        steps_ = std::move(steps);
        st_ = &st;
        nextCall_ = 0;
        finished_ = 0;
        uint64_t requests0 = client_.requests();
        uint64_t datagrams0 = client_.datagrams();
        uint64_t retransmits0 = client_.retransmits();
        uint64_t stray0 = client_.stray();
        slots_.assign(std::min(o_.window, o_.count), Slot{});
        for (size_t s = 0; s < slots_.size(); ++s) {
            startCall(s);
        }
        auto done = [this](NgCompletion& c) { onCompletion(c); };
        Outcome outcome = Outcome::done;
        while (finished_ < o_.count) {
            auto now = Clock::now();
            if (now >= deadline_) {
                outcome = Outcome::timeLimit;
                break;
            }
            auto ms = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - now);
            if (client_.poll(ms, sigfd_, done)) {
                signalfd_siginfo si;
                if (::read(sigfd_, &si, sizeof si) == sizeof si && si.ssi_signo != SIGUSR1) {
                    outcome = Outcome::interrupted;
                    break;
                }
            }
        }
        st.requests += client_.requests() - requests0;
        st.sent += client_.datagrams() - datagrams0;
        st.retransmits += client_.retransmits() - retransmits0;
        st.stray += client_.stray() - stray0;
        return outcome;
    }

private:
    struct Slot {
        size_t call = 0;
        size_t step = 0;
        bool failed = false;
        bool active = false;
    };

    void startCall(size_t s) {
        if (nextCall_ >= o_.count) {
            slots_[s].active = false;
            return;
        }
        slots_[s] = Slot{nextCall_++, 0, false, true};
        sendStep(s);
    }

    void sendStep(size_t s) {
        const Slot& slot = slots_[s];
        client_.send(buildRequest(o_, steps_[slot.step], slot.call), s);
    }

    void onCompletion(NgCompletion& c) {
        size_t s = c.tag;
        Step step = steps_[slots_[s].step];
        std::string problem;
        if (c.kind == NgCompletion::Kind::timeout) {
            ++st_->timeouts;
            if (st_->firstError.empty()) {
                st_->firstError = std::string(stepName(step)) + ": no reply after " +
                                  std::to_string(rtprelay::bench::NgClient::maxTries) + " tries";
            }
            stepDone(s, false);
            return;
        }
        st_->rttUs[static_cast<int>(step)].push_back(static_cast<uint32_t>(c.rtt.count()));
        if (c.kind == NgCompletion::Kind::undecodable || !c.value.isDict()) {
            problem = "undecodable reply";
        } else {
            const Value& v = c.value;
            const Value* result = v.find("result");
            if (!result || !result->isString() || result->str() != "ok") {
                const Value* reason = v.find("error-reason");
                problem = "result=" + (result && result->isString() ? result->str() : "?") +
                          (reason && reason->isString() ? " (" + reason->str() + ")" : "");
            } else if (step != Step::del && !(v.find("sdp") && v.find("sdp")->isString())) {
                problem = "no sdp in reply";
            } else if (const Value* w = v.find("warning")) {
                ++st_->warnings;
                if (o_.verbose) {
                    std::fprintf(stderr, "ng_load: %s warning: %s\n", stepName(step),
                                 w->isString() ? w->str().c_str() : "?");
                }
            }
        }
        if (!problem.empty()) {
            ++st_->errors;
            if (st_->firstError.empty()) {
                st_->firstError = std::string(stepName(step)) + ": " + problem;
            }
            if (o_.verbose) {
                std::fprintf(stderr, "ng_load: %s: %s\n", stepName(step), problem.c_str());
            }
        }
        stepDone(s, problem.empty());
    }

    // A failed offer or answer still runs the later steps, so a cycle cleans up after itself.
    void stepDone(size_t s, bool ok) {
        Slot& slot = slots_[s];
        slot.failed = slot.failed || !ok;
        if (++slot.step < steps_.size()) {
            sendStep(s);
            return;
        }
        ++finished_;
        if (slot.failed) {
            ++st_->callsFailed;
        } else {
            ++st_->callsOk;
        }
        startCall(s);
    }

    const Options& o_;
    rtprelay::bench::NgClient& client_;
    int sigfd_;
    Clock::time_point deadline_;
    std::vector<Step> steps_;
    Stats* st_ = nullptr;
    std::vector<Slot> slots_;
    size_t nextCall_ = 0;
    size_t finished_ = 0;
};

void report(const char* phase, const char* unit, Stats& st, double wall, Outcome outcome) {
    size_t calls = st.callsOk + st.callsFailed;
    std::printf(
        "%s: %s=%zu ok=%zu failed=%zu requests=%zu sent=%zu retransmits=%zu errors=%zu "
        "warnings=%zu timeouts=%zu stray=%zu wall_s=%.3f %s_per_s=%.1f",
        phase, unit, calls, st.callsOk, st.callsFailed, st.requests, st.sent, st.retransmits,
        st.errors, st.warnings, st.timeouts, st.stray, wall, unit,
        wall > 0 ? static_cast<double>(calls) / wall : 0.0);
    for (Step s : {Step::offer, Step::answer, Step::del}) {
        auto& v = st.rttUs[static_cast<int>(s)];
        if (!v.empty()) {
            std::printf(" %s_rtt_us_p50=%u %s_rtt_us_p99=%u", stepName(s), percentile(v, 0.5),
                        stepName(s), percentile(v, 0.99));
        }
    }
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    std::printf(" client_cpu_s=%.3f", sec(ru.ru_utime) + sec(ru.ru_stime));
    if (outcome == Outcome::timeLimit) {
        std::printf(" outcome=time-limit");
    } else if (outcome == Outcome::interrupted) {
        std::printf(" outcome=interrupted");
    }
    std::printf("\n");
    if (!st.firstError.empty()) {
        std::printf("%s: first error: %s\n", phase, st.firstError.c_str());
    }
    std::fflush(stdout);
}

double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

int exitStatus(Outcome outcome, const Stats& st) {
    if (outcome == Outcome::timeLimit) {
        return 3;
    }
    if (outcome == Outcome::interrupted) {
        return 4;
    }
    return st.errors + st.timeouts > 0 ? 1 : 0;
}

// Hold mode: waits for a line on stdin (EOF only stops watching stdin), SIGUSR1, SIGINT or
// SIGTERM. Returns false when the time limit came first.
bool waitForRelease(int sigfd, Clock::time_point deadline) {
    bool watchStdin = true;
    for (;;) {
        auto now = Clock::now();
        if (now >= deadline) {
            return false;
        }
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
        pollfd fds[2] = {{sigfd, POLLIN, 0}, {watchStdin ? STDIN_FILENO : -1, POLLIN, 0}};
        int n = ::poll(fds, 2, static_cast<int>(std::min<int64_t>(ms, 1000)));
        if (n <= 0) {
            continue;
        }
        if (fds[0].revents & POLLIN) {
            signalfd_siginfo si;
            if (::read(sigfd, &si, sizeof si) == sizeof si) {
                return true;
            }
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            char c;
            ssize_t r = ::read(STDIN_FILENO, &c, 1);
            if (r == 1 && c == '\n') {
                return true;
            }
            if (r <= 0) {
                watchStdin = false;  // EOF (e.g. </dev/null): wait for a signal instead
            }
        }
    }
}

// Ping mode: a readiness probe for scripts. Exit 0 on pong, 3 at the time limit.
int ping(int sock, Clock::time_point deadline) {
    std::string packet = "ping_1 ";
    bencode::encodeTo(Value(bencode::Dict{{"command", Value("ping")}}), packet);
    std::vector<char> buf(65536);
    while (Clock::now() < deadline) {
        (void)::send(sock, packet.data(), packet.size(), 0);
        pollfd pfd{sock, POLLIN, 0};
        if (::poll(&pfd, 1, 100) > 0) {
            ssize_t len = ::recv(sock, buf.data(), buf.size(), 0);
            std::string_view reply(buf.data(), len > 0 ? static_cast<size_t>(len) : 0);
            if (reply.starts_with("ping_1 ")) {
                auto d = bencode::decode(reply.substr(7));
                const Value* r =
                    d.status == bencode::DecodeStatus::ok ? d.value.find("result") : nullptr;
                if (r && r->isString() && r->str() == "pong") {
                    std::printf("pong\n");
                    return 0;
                }
            }
            // ECONNREFUSED (nobody listening yet) or something else: wait and try again.
            std::this_thread::sleep_for(100ms);
        }
    }
    std::printf("ping: no pong before the time limit\n");
    return 3;
}

}  // namespace

int main(int argc, char** argv) {
    Options o = parseArgs(argc, argv);
    auto start = Clock::now();
    auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(o.timeLimit));

    sigset_t mask;
    sigemptyset(&mask);
    for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGHUP}) {
        sigaddset(&mask, s);
    }
    ::sigprocmask(SIG_BLOCK, &mask, nullptr);
    int sigfd = ::signalfd(-1, &mask, SFD_CLOEXEC);
    ::signal(SIGPIPE, SIG_IGN);
    int sock = rtprelay::bench::connectNgSocket("ng_load", o.server, 8 << 20);

    if (o.mode == "ping") {
        return ping(sock, deadline);
    }
    rtprelay::bench::NgClient client(sock, o.prefix);
    Runner runner(o, client, sigfd, deadline);
    if (o.mode == "cycles") {
        Stats st;
        auto t0 = Clock::now();
        Outcome out = runner.run({Step::offer, Step::answer, Step::del}, st);
        report("cycles", "cycles", st, seconds(t0, Clock::now()), out);
        return exitStatus(out, st);
    }

    Stats setup;
    auto t0 = Clock::now();
    Outcome out = runner.run({Step::offer, Step::answer}, setup);
    report("hold-setup", "calls", setup, seconds(t0, Clock::now()), out);
    if (out != Outcome::done) {
        return exitStatus(out, setup);
    }
    std::printf("READY calls=%zu\n", setup.callsOk);
    std::fflush(stdout);
    if (!waitForRelease(sigfd, deadline)) {
        std::printf("hold: time limit reached while holding; calls not deleted\n");
        return 3;
    }
    Stats teardown;
    t0 = Clock::now();
    out = runner.run({Step::del}, teardown);
    report("hold-teardown", "calls", teardown, seconds(t0, Clock::now()), out);
    int a = exitStatus(out, teardown);
    int b = exitStatus(Outcome::done, setup);
    return a != 0 ? a : b;
}
