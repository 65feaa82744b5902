#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "protocol/HttpClient.h"
#include "protocol/SignallingFixture.h"

#ifndef RTPRELAY_CTL_PATH
#error "RTPRELAY_CTL_PATH must point at rtprelay-ctl"
#endif

extern char** environ;

namespace rtprelay::test {
namespace {

constexpr const char* kNoDifference = "No parameter differs from its start value.\n";

using control::bencode::Value;
using namespace std::chrono_literals;

struct CtlResult {
    int status = -1;
    std::string out;
    std::string err;
};

// Runs rtprelay-ctl with `args`, capturing stdout and stderr apart.
CtlResult runCtl(const std::vector<std::string>& args) {
    int outPipe[2];
    int errPipe[2];
    EXPECT_EQ(::pipe(outPipe), 0);
    EXPECT_EQ(::pipe(errPipe), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, outPipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, outPipe[0]);
    posix_spawn_file_actions_addclose(&actions, errPipe[0]);
    std::vector<std::string> copy = args;
    std::string bin = RTPRELAY_CTL_PATH;
    std::vector<char*> argv{bin.data()};
    for (auto& a : copy) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(outPipe[1]);
    ::close(errPipe[1]);
    CtlResult r;
    if (rc != 0) {
        ::close(outPipe[0]);
        ::close(errPipe[0]);
        ADD_FAILURE() << "cannot run " << bin;
        return r;
    }
    pollfd fds[2] = {{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}};
    int open = 2;
    char buf[8192];
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (open > 0 && std::chrono::steady_clock::now() < deadline) {
        if (::poll(fds, 2, 200) <= 0) {
            continue;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) {
                continue;
            }
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
                continue;
            }
            (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
        }
    }
    for (auto& f : fds) {
        if (f.fd >= 0) {
            ::close(f.fd);
        }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

size_t countLines(const std::string& text, const std::string& prefix) {
    size_t n = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        n += line.rfind(prefix, 0) == 0;
    }
    return n;
}

std::string sdp(int port) {
    return audioSdp("127.0.0.1", port, "0 8");
}

// The value after "<description padded>:" in `list totals`.
std::string totalsValue(const std::string& totals, const std::string& description) {
    std::istringstream in(totals);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(" " + description + " ", 0) == 0 && line.size() > 50 && line[49] == ':') {
            return line.substr(50);
        }
    }
    return "<missing " + description + ">";
}

class Cli : public SignallingFixture {
protected:
    void SetUp() override {
        cliPort_ = freePort(SOCK_STREAM);
        startDaemon({"-c", "127.0.0.1:" + std::to_string(cliPort_), "--delete-delay=0",
                     "--log-facility-cdr=local2"});
    }

    std::string cli(const std::string& line) {
        auto answer = tcpExchange(cliPort_, line + "\n");
        EXPECT_TRUE(answer) << "no CLI answer to '" << line << "'; daemon log:\n" << daemon_->log();
        return answer.value_or("");
    }

    // Caller at 127.0.0.1:basePort, callee two ports up, tags named after the call.
    void setUpCallAt(const std::string& callId, int basePort) {
        setUpCall(callId, sdp(basePort), sdp(basePort + 2), "caller-" + callId, "callee-" + callId);
    }

    CtlResult ctl(std::vector<std::string> words) {
        words.insert(words.begin(), {"-port", std::to_string(cliPort_)});
        return runCtl(words);
    }

    uint16_t cliPort_ = 0;
};

TEST_F(Cli, ListNumsessionsCountsTheCalls) {
    EXPECT_EQ(cli("list numsessions"),
              "Current sessions own: 0\nCurrent sessions foreign: 0\nCurrent sessions total: 0\n"
              "Current transcoded media: 0\nCurrent sessions ipv4 only media: 0\n"
              "Current sessions ipv6 only media: 0\nCurrent sessions ip mixed  media: 0\n");
    setUpCallAt("c-1", 6000);
    setUpCallAt("c-2", 6010);
    std::string n = cli("list numsessions");
    EXPECT_NE(n.find("Current sessions own: 2\n"), std::string::npos) << n;
    EXPECT_NE(n.find("Current sessions total: 2\n"), std::string::npos) << n;
    EXPECT_NE(n.find("Current sessions ipv4 only media: 2\n"), std::string::npos) << n;
    // `get` is rtpengine's alias of `list`.
    EXPECT_EQ(cli("get numsessions"), n);
}

TEST_F(Cli, ListSessionsOneLinePerCall) {
    EXPECT_EQ(cli("list sessions all"), "No sessions on this media relay.\n");
    EXPECT_EQ(cli("list sessions own"), "No own sessions on this media relay.\n");
    setUpCallAt("c-1", 6000);
    std::this_thread::sleep_for(10ms);
    setUpCallAt("c-2", 6010);
    std::string all = cli("list sessions all");
    std::regex line(
        "ID: +(c-[12]) \\| del:n \\| creat:[0-9]{10} \\| prx:127\\.0\\.0\\.1:[0-9]+ \\| "
        "redis:-1 \\| frgn:n \\| rec:n");
    std::istringstream in(all);
    std::vector<std::string> ids;
    for (std::string l; std::getline(in, l);) {
        std::smatch m;
        ASSERT_TRUE(std::regex_match(l, m, line)) << l;
        ids.push_back(m[1]);
        EXPECT_EQ(l.find(" | del:"), 64u) << "call-id right-aligned in 60 columns: " << l;
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"c-1", "c-2"}));  // oldest first
    EXPECT_EQ(cli("list sessions own"), all);
    EXPECT_EQ(cli("list sessions foreign"), "No foreign sessions on this media relay.\n");
    EXPECT_EQ(countLines(cli("list sessions 1"), "ID: "), 1u);
    EXPECT_EQ(countLines(cli("list sessions 5"), "ID: "), 2u);
}

TEST_F(Cli, ListSessionShowsPartiesMediaAndStreams) {
    setUpCallAt("c-1", 6000);
    std::string info = cli("list session c-1");
    EXPECT_EQ(info.rfind("\ncallid: c-1\ndeletionmark: no\ncreated: ", 0), 0u) << info;
    EXPECT_NE(info.find("proxy: 127.0.0.1:"), std::string::npos) << info;
    EXPECT_NE(info.find("--- Tag 'caller-c-1', type: FROM_TAG, label '', branch '', callduration "),
              std::string::npos)
        << info;
    EXPECT_NE(info.find("--- Tag 'callee-c-1', type: TO_TAG"), std::string::npos) << info;
    EXPECT_NE(info.find("---     subscribed to 'callee-c-1'"), std::string::npos) << info;
    EXPECT_EQ(countLines(info, "------ Media #1 (audio over RTP/AVP) using PCMU/8000"), 2u) << info;
    // RTP and RTCP of both parties.
    EXPECT_EQ(countLines(info, "-------- Port       127.0.0.1:"), 4u) << info;
    EXPECT_NE(info.find("127.0.0.1:6000, SSRC (unknown), in 0 p, 0 b, 0 e, 0 last_packet, out 0 p"),
              std::string::npos)
        << info;
    EXPECT_NE(info.find("127.0.0.1:6003 (RTCP)"), std::string::npos) << info;
    // rtpengine's form, `list sessions CALLID`, answers the same.
    EXPECT_EQ(cli("list sessions c-1").substr(0, 40), info.substr(0, 40));

    EXPECT_EQ(cli("list session nope"), "\nCall Id (nope) not found.\n");
    EXPECT_EQ(cli("list sessions nope"), "\nCall Id (nope) not found.\n");
    EXPECT_EQ(cli("list session"), "More parameters required.\n");
    EXPECT_EQ(cli("list sessions"), "More parameters required.\n");
}

TEST_F(Cli, ListTotalsHasRtpenginesLayout) {
    setUpCallAt("c-1", 6000);
    setUpCallAt("c-2", 6010);
    request(del("c-2"));
    std::string totals = cli("list totals");
    EXPECT_EQ(totals.rfind("\nStatistics over currently running sessions:\n\n", 0), 0u) << totals;
    EXPECT_NE(totals.find("\nTotal statistics (does not include current running sessions):\n\n"),
              std::string::npos);
    EXPECT_NE(totals.find("\nControl statistics:\n\n"), std::string::npos);
    // Every figure is " <description padded to 48>:<value>".
    std::istringstream in(totals);
    size_t figures = 0;
    for (std::string l; std::getline(in, l);) {
        if (l.empty() || l.back() == ':' || l.find(" Proxy ") == 0 || l.find(" 127.0.0.1") == 0) {
            continue;
        }
        EXPECT_TRUE(std::regex_match(l, std::regex(" .{48}:.+"))) << l;
        ++figures;
    }
    EXPECT_GT(figures, 30u);
    EXPECT_EQ(totalsValue(totals, "Number of sessions (own)"), "1");
    EXPECT_EQ(totalsValue(totals, "Total managed sessions"), "1");
    EXPECT_EQ(totalsValue(totals, "Total regular terminated sessions"), "1");
    EXPECT_EQ(totalsValue(totals, "Total forced terminated sessions"), "0");
    EXPECT_EQ(totalsValue(totals, "Total relayed packets"), "0");
    EXPECT_TRUE(
        std::regex_match(totalsValue(totals, "Uptime of rtpengine"), std::regex("[0-9]+ seconds")));
    EXPECT_EQ(totalsValue(totals, "Kernel table"), "none (table = -1), userspace only");
    // The control table has a column per ng command seen and a row per client.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(totals, m,
                                  std::regex("\n Proxy +(.*) +errors\n 127\\.0\\.0\\.1 +(.*)\n")))
        << totals;
    EXPECT_NE(std::string(m[1]).find("offer"), std::string::npos) << totals;
    EXPECT_NE(std::string(m[1]).find("delete"), std::string::npos) << totals;
}

TEST_F(Cli, ListCountersAndInterfaces) {
    std::string counters = cli("list counters");
    EXPECT_EQ(counters.rfind("\nCurrent per-second counters:\n\n", 0), 0u) << counters;
    EXPECT_EQ(totalsValue(counters, "Packets per second"), "0");
    EXPECT_EQ(totalsValue(counters, "Bytes per second"), "0");
    EXPECT_EQ(totalsValue(counters, "Errors per second"), "0");
    setUpCallAt("c-1", 6000);
    std::string interfaces = cli("list interfaces");
    EXPECT_NE(interfaces.find("Interface 'default' address '127.0.0.1'\n"), std::string::npos)
        << interfaces;
    EXPECT_NE(interfaces.find(" Port range: " + std::to_string(portMin_)), std::string::npos)
        << interfaces;
    EXPECT_NE(interfaces.find(" Ports used:     4 /   200"), std::string::npos) << interfaces;
}

TEST_F(Cli, ListJsonstatsIsNgStatisticsAsJson) {
    setUpCallAt("c-1", 6000);
    auto json = nlohmann::json::parse(cli("list jsonstats"));
    EXPECT_EQ(json["currentstatistics"]["sessionsown"], 1);
    EXPECT_EQ(json["totalstatistics"]["managedsessions"], 0);
    EXPECT_TRUE(json["controlstatistics"]["proxies"].is_array());
    EXPECT_EQ(json["interfaces"][0]["ports"]["used"], 4);
    Value stats = request(command("statistics"));
    EXPECT_EQ(stats.find("statistics")->find("currentstatistics")->find("sessionsown")->integer(),
              1);
}

TEST_F(Cli, SetChangesRunTimeSettingsAndListShowsThem) {
    EXPECT_EQ(cli("list maxsessions"), "Maximum sessions configured on rtpengine: -1\n");
    EXPECT_EQ(cli("list timeout"), "TIMEOUT=60\n");
    EXPECT_EQ(cli("list silenttimeout"), "SILENT_TIMEOUT=3600\n");
    EXPECT_EQ(cli("list finaltimeout"), "FINAL_TIMEOUT=0\n");
    EXPECT_EQ(cli("list offertimeout"), "OFFER_TIMEOUT=3600\n");
    EXPECT_EQ(cli("list deletedelay"), "DELETE_DELAY=0\n");
    EXPECT_EQ(cli("list loglevel"), "6\n");

    EXPECT_EQ(cli("set timeout 77"), "Success setting timeout to 77\n");
    EXPECT_EQ(cli("set silenttimeout 78"), "Success setting silenttimeout to 78\n");
    EXPECT_EQ(cli("set finaltimeout 79"), "Success setting finaltimeout to 79\n");
    EXPECT_EQ(cli("set offertimeout 80"), "Success setting offertimeout to 80\n");
    EXPECT_EQ(cli("set deletedelay 81"), "Success setting deletedelay to 81\n");
    EXPECT_EQ(cli("set loglevel 7"), "Success setting loglevel to 7\n");
    EXPECT_EQ(cli("list timeout"), "TIMEOUT=77\n");
    EXPECT_EQ(cli("list silenttimeout"), "SILENT_TIMEOUT=78\n");
    EXPECT_EQ(cli("list finaltimeout"), "FINAL_TIMEOUT=79\n");
    EXPECT_EQ(cli("list offertimeout"), "OFFER_TIMEOUT=80\n");
    EXPECT_EQ(cli("list deletedelay"), "DELETE_DELAY=81\n");
    EXPECT_EQ(cli("list loglevel"), "7\n");
    // The level applies at once: CLI commands are logged at info (6).
    EXPECT_EQ(cli("set loglevel 5"), "Success setting loglevel to 5\n");
    cli("list counters");
    EXPECT_EQ(cli("set loglevel 6"), "Success setting loglevel to 6\n");
    cli("list numsessions");
    ASSERT_TRUE(daemon_->waitForLog("Command 'list numsessions'", 2s));
    EXPECT_EQ(daemon_->log().find("Command 'list counters'"), std::string::npos);

    // max-sessions takes effect on the next offer.
    setUpCallAt("c-1", 6000);
    EXPECT_EQ(cli("set maxsessions 1"), "Success setting maxsessions to 1\n");
    EXPECT_EQ(cli("list maxsessions"), "Maximum sessions configured on rtpengine: 1\n");
    Value refused = request(offer("c-2", "a", sdp(6010)));
    EXPECT_EQ(resultOf(refused), "error");
    EXPECT_EQ(errorReasonOf(refused), "Parallel session limit reached");
    EXPECT_EQ(cli("set maxsessions -1"), "Success setting maxsessions to -1\n");
    EXPECT_EQ(resultOf(request(offer("c-2", "a", sdp(6010)))), "ok");
}

TEST_F(Cli, ParamsShowStartCurrentDiffAndRevert) {
    std::string start = cli("params start");
    EXPECT_NE(start.find("log-level = 6\n"), std::string::npos) << start;
    EXPECT_NE(start.find("timeout = 60\n"), std::string::npos) << start;
    EXPECT_NE(start.find("max-sessions = -1\n"), std::string::npos) << start;
    EXPECT_NE(start.find("table = -1\n"), std::string::npos) << start;
    EXPECT_NE(start.find("port-min = " + std::to_string(portMin_) + "\n"), std::string::npos);
    EXPECT_EQ(cli("params current"), start);
    EXPECT_EQ(cli("params diff"), kNoDifference);

    cli("set timeout 90");
    cli("set maxsessions 10");
    std::string current = cli("params current");
    EXPECT_NE(current.find("\ntimeout = 90\n"), std::string::npos) << current;
    EXPECT_NE(current.find("max-sessions = 10\n"), std::string::npos) << current;
    EXPECT_EQ(cli("params start"), start);
    EXPECT_EQ(cli("params diff"), "max-sessions: -1 => 10\ntimeout: 60 => 90\n");
    EXPECT_EQ(cli("params revert"), "max-sessions: 10 => -1\ntimeout: 90 => 60\n");
    EXPECT_EQ(cli("list timeout"), "TIMEOUT=60\n");
    EXPECT_EQ(cli("params diff"), kNoDifference);
}

TEST_F(Cli, WrongArgumentsGetRtpenginesErrorTexts) {
    EXPECT_EQ(cli("set timeout abc"), "Fail setting timeout to abc; no digits found\n");
    EXPECT_EQ(cli("set timeout 5x"), "Fail setting timeout to 5x; no digits found\n");
    EXPECT_EQ(cli("set timeout -3"), "Fail setting timeout to -3; must not be negative\n");
    EXPECT_EQ(cli("set maxsessions -2"),
              "Fail setting maxsessions to -2; either positive or -1 values allowed\n");
    EXPECT_EQ(cli("set loglevel 9"), "Invalid log level '9', must be between 0 and 7\n");
    EXPECT_EQ(cli("set timeout"), "More parameters required.\n");
    EXPECT_EQ(cli("set frobnicate 1"), "Unknown or incomplete command:frobnicate 1\n");
    EXPECT_EQ(cli("set"), "Unknown or incomplete command:\n");
    EXPECT_EQ(cli("list"), "Unknown or incomplete command:\n");
    EXPECT_EQ(cli("list foo"), "Unknown or incomplete command:foo\n");
    EXPECT_EQ(cli("frobnicate now"), "Unknown or incomplete command:frobnicate now\n");
    EXPECT_EQ(cli(""), "Unknown or incomplete command:\n");
    EXPECT_EQ(cli("params"), "More parameters required.\n");
    EXPECT_EQ(cli("params later"), "Unknown or incomplete command:later\n");
    EXPECT_EQ(cli("terminate"), "More parameters required.\n");
    // Nothing changed.
    EXPECT_EQ(cli("list timeout"), "TIMEOUT=60\n");
    EXPECT_EQ(cli("params diff"), kNoDifference);
}

TEST_F(Cli, TerminateEndsCallsWithForcedCdrs) {
    setUpCallAt("c-1", 6000);
    setUpCallAt("c-2", 6010);
    setUpCallAt("c-3", 6020);
    EXPECT_EQ(cli("terminate c-1"), "Call Id (c-1) successfully terminated by operator.\n");
    ASSERT_TRUE(daemon_->waitForLog("CDR: ci=c-1,", 2s)) << daemon_->log();
    EXPECT_NE(daemon_->log().find("ml0_termination=FORCED"), std::string::npos);
    EXPECT_EQ(cli("terminate c-1"), "\nCall Id (c-1) not found.\n");
    Value q = command("query");
    q.set("call-id", "c-1");
    EXPECT_EQ(errorReasonOf(request(q)), "Unknown call-id");
    EXPECT_EQ(countLines(cli("list sessions all"), "ID: "), 2u);

    EXPECT_EQ(cli("terminate foreign"), "All foreign calls terminated by operator.\n");
    EXPECT_EQ(countLines(cli("list sessions all"), "ID: "), 2u);
    EXPECT_EQ(cli("terminate own"), "All own calls terminated by operator.\n");
    EXPECT_EQ(cli("list sessions all"), "No sessions on this media relay.\n");
    setUpCallAt("c-4", 6030);
    EXPECT_EQ(cli("terminate all"), "All calls terminated by operator.\n");
    EXPECT_EQ(cli("list sessions all"), "No sessions on this media relay.\n");
    ASSERT_TRUE(daemon_->waitForLog("CDR: ci=c-4,", 2s));

    std::string totals = cli("list totals");
    EXPECT_EQ(totalsValue(totals, "Total forced terminated sessions"), "4");
    EXPECT_EQ(totalsValue(totals, "Total managed sessions"), "4");
    // The ports went back to the pool.
    EXPECT_NE(cli("list interfaces").find(" Ports used:     0 /"), std::string::npos);
}

TEST_F(Cli, OtherListsAndUsage) {
    std::string files = cli("list maxopenfiles");
    EXPECT_TRUE(std::regex_match(files, std::regex("Maximum open-files configured on rtpengine: "
                                                   "([0-9]+|infinite)\n")))
        << files;
    EXPECT_EQ(cli("list kernel"),
              "Kernel forwarding: off (table = -1); every stream is relayed in userspace\n");
    std::string usage = cli("usage");
    for (const char* word : {"list", "numsessions", "totals", "set", "params", "terminate"}) {
        EXPECT_NE(usage.find(word), std::string::npos) << word;
    }
}

TEST_F(Cli, OneLinePerConnectionBoundedLength) {
    // The line may end with CRLF, or with the client's half-close.
    EXPECT_EQ(tcpExchange(cliPort_, "list timeout\r\n").value_or(""), "TIMEOUT=60\n");
    EXPECT_EQ(tcpExchange(cliPort_, "list timeout", true).value_or(""), "TIMEOUT=60\n");
    // Only the first line counts.
    EXPECT_EQ(tcpExchange(cliPort_, "list timeout\nset timeout 5\n").value_or(""), "TIMEOUT=60\n");
    EXPECT_EQ(cli("list timeout"), "TIMEOUT=60\n");
    // Over 1024 bytes without a line end: closed unanswered.
    EXPECT_EQ(tcpExchange(cliPort_, std::string(3000, 'x')).value_or("<open>"), "");
    EXPECT_EQ(tcpExchange(cliPort_, "list " + std::string(1100, 'y') + "\n").value_or("<open>"),
              "");
    // A connection that never sends a line end, idle: the daemon keeps serving others.
    int idle = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(cliPort_);
    ASSERT_EQ(::connect(idle, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ::send(idle, "list", 4, 0);
    EXPECT_EQ(cli("list timeout"), "TIMEOUT=60\n");
    ::close(idle);
}

TEST_F(Cli, NgCliCommandAnswersTheSame) {
    Value c = command("cli");
    c.set("body", "list timeout");
    Value reply = request(c);
    EXPECT_EQ(resultOf(reply), "ok");
    ASSERT_TRUE(reply.find("response"));
    EXPECT_EQ(reply.find("response")->str(), "TIMEOUT=60\n");
}

TEST_F(Cli, CtlPrintsAnswersAndFailsOnErrors) {
    setUpCallAt("c-1", 6000);
    auto r = ctl({"list", "numsessions"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Current sessions own: 1\n"), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");

    r = runCtl({"-ip", "127.0.0.1:" + std::to_string(cliPort_), "list", "timeout"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "TIMEOUT=60\n");
    r = runCtl({"-ip", "127.0.0.1", "-port", std::to_string(cliPort_), "list", "timeout"});
    EXPECT_EQ(r.out, "TIMEOUT=60\n");
    r = runCtl({"--ip=127.0.0.1", "--port=" + std::to_string(cliPort_), "list", "timeout"});
    EXPECT_EQ(r.out, "TIMEOUT=60\n");

    // Words after the command may look like options.
    r = ctl({"set", "maxsessions", "-1"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "Success setting maxsessions to -1\n");

    r = ctl({"terminate", "c-1"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "Call Id (c-1) successfully terminated by operator.\n");

    for (std::vector<std::string> wrong : {std::vector<std::string>{"list", "foo"},
                                           {"frobnicate"},
                                           {"set", "timeout", "abc"},
                                           {"set", "loglevel", "12"},
                                           {"terminate", "c-1"},
                                           {"list", "sessions"},
                                           {"list", "session", "nope"}}) {
        r = ctl(wrong);
        EXPECT_EQ(r.status, 1) << wrong[0] << " " << wrong[1];
        EXPECT_EQ(r.out, "");
        EXPECT_FALSE(r.err.empty());
    }

    r = runCtl({});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("Usage: rtprelay-ctl"), std::string::npos) << r.err;
    r = runCtl({"-h"});
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("Usage: rtprelay-ctl"), std::string::npos);
    r = runCtl({"-port", "0", "list", "totals"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("invalid port"), std::string::npos) << r.err;
    r = runCtl({"-ip", "not an address!", "list", "totals"});
    EXPECT_EQ(r.status, 1);
}

TEST_F(Cli, CtlAgainstAStoppedDaemonFailsClearly) {
    auto r = ctl({"list", "totals"});
    ASSERT_EQ(r.status, 0) << r.err;
    daemon_->signal(SIGTERM);
    ASSERT_EQ(daemon_->wait(5s), 0) << daemon_->log();
    r = ctl({"list", "totals"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("rtprelay-ctl: cannot connect to 127.0.0.1:" + std::to_string(cliPort_) +
                         ": Connection refused"),
              std::string::npos)
        << r.err;
}

TEST(CliListener, IsOffUnlessConfiguredAndABindFailureStopsTheStart) {
    {
        uint16_t ng = freePort(SOCK_DGRAM);
        DaemonProcess d({"--config-file=none", "-f", "-E", "-i", "127.0.0.1", "-n",
                         "127.0.0.1:" + std::to_string(ng)});
        ASSERT_TRUE(
            waitForPong(net::Endpoint(net::IpAddress::loopback(net::Family::ipv4), ng), 5s));
        EXPECT_EQ(d.log().find("Listening for CLI"), std::string::npos) << d.log();
        EXPECT_EQ(d.log().find("Listening for HTTP"), std::string::npos) << d.log();
    }
    // Port taken by someone else: the start fails with one line naming the listener.
    int taken = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(taken, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(taken, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(::listen(taken, 1), 0);
    socklen_t len = sizeof sa;
    ::getsockname(taken, reinterpret_cast<sockaddr*>(&sa), &len);
    std::string port = std::to_string(ntohs(sa.sin_port));
    for (const char* option : {"--listen-cli=", "--listen-http="}) {
        auto r = runToCompletion({"--config-file=none", "-f", "-E", "-i", "127.0.0.1", "-n",
                                  "127.0.0.1:" + std::to_string(freePort(SOCK_DGRAM)),
                                  option + std::string("127.0.0.1:") + port},
                                 10s);
        EXPECT_EQ(r.status, 1) << r.output;
        std::string name = std::string(option).substr(2, std::string(option).size() - 3);
        EXPECT_NE(r.output.find("cannot bind " + name + " 127.0.0.1:" + port +
                                ": Address already in use"),
                  std::string::npos)
            << r.output;
    }
    ::close(taken);
}

}  // namespace
}  // namespace rtprelay::test
