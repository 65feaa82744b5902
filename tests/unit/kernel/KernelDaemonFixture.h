// A real rtprelayd with the eBPF fast path, for tests through ng and media on loopback.
//
// The fixture moves its thread into a network namespace of its own (unshare), so rtprelayd,
// forked from it, attaches to that namespace's loopback only; the kernel table number is
// reserved under the global bpffs by mkdir (as tests/e2e/kernel_path.sh does) and removed at
// the end. Needs root.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "protocol/DaemonProcess.h"
#include "protocol/MediaPeer.h"
#include "protocol/NgClient.h"
#include "unit/kernel/KernelTestSupport.h"

namespace rtprelay::kernel {

using control::bencode::Value;
namespace proto = rtprelay::test;  // the protocol tests' daemon, ng and media helpers
using namespace std::chrono_literals;

inline constexpr const char* kPinRoot = "/sys/fs/bpf/rtprelay";
inline constexpr int kPortMin = 30000;
inline constexpr int kPortMax = 30099;

inline Value command(const std::string& name) {
    Value v = Value::dict();
    v.set("command", name);
    return v;
}

inline std::string sdp(uint16_t port) {
    return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio " +
           std::to_string(port) + " RTP/AVP 0\r\n";
}

inline uint16_t mediaPort(const Value& reply) {
    const Value* body = reply.find("sdp");
    if (!body || !body->isString()) {
        return 0;
    }
    const std::string& text = body->str();
    size_t at = text.find("m=audio ");
    return at == std::string::npos ? 0 : static_cast<uint16_t>(std::stoi(text.substr(at + 8)));
}

inline int64_t intAt(const Value& dict, const std::string& key) {
    const Value* v = dict.find(key);
    return v && v->isInt() ? v->integer() : -1;
}

inline size_t occurrences(const std::string& haystack, const std::string& needle) {
    size_t n = 0;
    for (size_t at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + needle.size())) {
        ++n;
    }
    return n;
}

// The daemon under test and an ng client to it (both in the calling thread's network
// namespace), shared by the kernel fixtures.
class KernelDaemonClient {
protected:
    // Starts rtprelayd with `args`, whose ng listener is 127.0.0.1:ngPort_, and waits for it
    // to answer a ping.
    void launch(const std::vector<std::string>& args) {
        client_.reset();
        daemon_ = std::make_unique<proto::DaemonProcess>(args);
        net::Endpoint server(net::IpAddress::loopback(net::Family::ipv4), ngPort_);
        ASSERT_TRUE(proto::waitForPong(server, 10s)) << daemon_->log();
        client_ = std::make_unique<proto::NgUdpClient>(server);
    }

    Value request(const Value& r) {
        auto reply = client_->request(r, 5000ms);
        EXPECT_TRUE(reply) << "no reply; daemon log:\n" << daemon_->log();
        return reply ? *reply : Value::dict();
    }

    // One section of the ng `statistics` reply ("kernel", "totalstatistics"); an empty dict
    // when it is missing.
    Value statistics(const std::string& section) {
        Value reply = request(command("statistics"));
        const Value* all = reply.find("statistics");
        const Value* found = all ? all->find(section) : nullptr;
        return found && found->isDict() ? *found : Value::dict();
    }

    Value kernelStatistics() { return statistics("kernel"); }

    uint16_t ngPort_ = 0;
    std::unique_ptr<proto::DaemonProcess> daemon_;
    std::unique_ptr<proto::NgUdpClient> client_;
};

class KernelDaemonTest : public ::testing::Test, protected KernelDaemonClient {
protected:
    void SetUp() override {
        ASSERT_EQ(geteuid(), 0u) << "needs root (network namespace, eBPF)";
        original_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        ASSERT_GE(original_, 0) << std::strerror(errno);
        ASSERT_EQ(unshare(CLONE_NEWNET), 0) << std::strerror(errno);
        test::shell("ip link set lo up");
        struct statfs fs {};
        if (statfs("/sys/fs/bpf", &fs) != 0 || fs.f_type != BPF_FS_MAGIC) {
            ASSERT_EQ(mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"), 0)
                << std::strerror(errno);
        }
        mkdir(kPinRoot, 0700);
        // mkdir is atomic: the directory reserves the table against parallel runs.
        for (int t = 63; t >= 0 && table_ < 0; --t) {
            if (mkdir((std::string(kPinRoot) + "/" + std::to_string(t)).c_str(), 0700) == 0) {
                table_ = t;
            }
        }
        ASSERT_GE(table_, 0) << "no free kernel table under " << kPinRoot;
    }

    void TearDown() override {
        client_.reset();
        daemon_.reset();
        if (table_ >= 0) {
            // Unpinning the maps and links detaches the program and frees the table.
            test::shellOutput("rm -rf " + std::string(kPinRoot) + "/" + std::to_string(table_));
        }
        if (original_ >= 0) {
            EXPECT_EQ(setns(original_, CLONE_NEWNET), 0) << std::strerror(errno);
            close(original_);
        }
    }

    void start(int tableSize, const std::vector<std::string>& extraArgs = {}) {
        client_.reset();
        daemon_.reset();
        ngPort_ = proto::freePort(SOCK_DGRAM);
        std::vector<std::string> args{"--config-file=none",
                                      "-f",
                                      "-E",
                                      "--no-log-timestamps",
                                      "-i",
                                      "127.0.0.1",
                                      "-n",
                                      "127.0.0.1:" + std::to_string(ngPort_),
                                      "-m",
                                      std::to_string(kPortMin),
                                      "-M",
                                      std::to_string(kPortMax),
                                      "-t",
                                      std::to_string(table_),
                                      "--kernel-table-size=" + std::to_string(tableSize)};
        args.insert(args.end(), extraArgs.begin(), extraArgs.end());
        launch(args);
    }

    // A call between two peers on loopback; media both ways until the sender is learned.
    struct Call {
        std::unique_ptr<proto::MediaPeer> caller = std::make_unique<proto::MediaPeer>();
        std::unique_ptr<proto::MediaPeer> callee = std::make_unique<proto::MediaPeer>();
        net::Endpoint toCallee;  // the relay's port the caller sends to
        net::Endpoint toCaller;  // the relay's port the callee sends to
    };

    Call call(const std::string& id) {
        Call c;
        Value o = command("offer");
        o.set("call-id", id);
        o.set("from-tag", "a-" + id);
        o.set("sdp", sdp(c.caller->port()));
        uint16_t calleeSide = mediaPort(request(o));
        Value a = command("answer");
        a.set("call-id", id);
        a.set("from-tag", "a-" + id);
        a.set("to-tag", "b-" + id);
        a.set("sdp", sdp(c.callee->port()));
        uint16_t callerSide = mediaPort(request(a));
        EXPECT_NE(calleeSide, 0);
        EXPECT_NE(callerSide, 0);
        auto loopback = net::IpAddress::loopback(net::Family::ipv4);
        c.toCallee = net::Endpoint(loopback, calleeSide);
        c.toCaller = net::Endpoint(loopback, callerSide);
        return c;
    }

    // Sends `count` RTP packets each way; returns how many each side received.
    std::pair<size_t, size_t> media(Call& c, uint16_t firstSeq, int count) {
        for (int i = 0; i < count; ++i) {
            uint16_t seq = static_cast<uint16_t>(firstSeq + i);
            c.caller->send(c.toCallee, proto::rtpPacket(seq, 0x1111, 'a'));
            c.callee->send(c.toCaller, proto::rtpPacket(seq, 0x2222, 'b'));
            std::this_thread::sleep_for(5ms);
        }
        return {c.caller->drain(300ms).size(), c.callee->drain(300ms).size()};
    }

    int original_ = -1;
    int table_ = -1;
};

}  // namespace rtprelay::kernel
