// bpf_prog_cost: the kernel fast path's BPF program alone, per packet, from the kernel's own
// clock (BPF_PROG_TEST_RUN with `repeat`), on golden packets.
//
//   bpf_prog_cost [--repeat N] [--rounds R]
//
// Loads the program the way the daemon does (BpfForwarder: pinned maps under a private
// /sys/fs/bpf directory, removed at the end), installs rules and runs each case R times with
// `repeat` N; the kernel reports the mean duration of one run. Prints one line per case:
//   case=ipv4_hit min_ns=.. median_ns=.. max_ns=.. verdict=7
// Cases:
//   ipv4_hit       RTP over IPv4 with a UDP checksum, forwarded (addresses, ports, TOS
//                  rewritten; checksums updated). Two rules send the packet back and forth
//                  (A->B becomes C->D, C->D becomes A->B), so every one of the N runs of the
//                  same buffer is a hit with a full rewrite. The TTL is 64 after the first
//                  run, so the TTL rewrite happens once.
//   ipv4_hit_csum0 the same with UDP checksum 0 (IPv4 "no checksum").
//   ipv6_hit       RTP over IPv6, same ping-pong.
//   miss           RTP to a port without a rule: parse, lookup, back to the stack.
// bpf_redirect_neigh only records the verdict in a test run (nothing is sent), so the figure
// is the program's cost. Needs root (CAP_BPF, CAP_SYS_ADMIN). Noise: other load on the
// machine lengthens runs; min over rounds is the robust figure, the median shows the spread.
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernel/BpfForwarder.h"
#include "unit/kernel/PacketBuilder.h"

namespace {

using rtprelay::kernel::BpfForwarder;
using rtprelay::kernel::ForwardingRule;
using rtprelay::kernel::test::PacketBuilder;

rtprelay::net::Endpoint endpoint(const std::string& address, uint16_t port) {
    return {*rtprelay::net::IpAddress::parse(address), port};
}

ForwardingRule rule(const rtprelay::net::Endpoint& local, const rtprelay::net::Endpoint& outSource,
                    const rtprelay::net::Endpoint& outDestination, uint8_t tos) {
    ForwardingRule r;
    r.local = local;
    r.outSource = outSource;
    r.outDestination = outDestination;
    r.outIfindex = 1;
    r.tos = tos;
    r.payloadTypes.set(0);
    return r;
}

struct Result {
    std::vector<uint32_t> durations;
    uint32_t verdict = 0;
};

Result measure(int programFd, const std::vector<uint8_t>& frame, uint32_t repeat, int rounds) {
    Result result;
    std::vector<uint8_t> out(frame.size() + 256);
    for (int i = 0; i < rounds; ++i) {
        __sk_buff context{};
        bpf_test_run_opts opts{};
        opts.sz = sizeof(opts);
        opts.data_in = frame.data();
        opts.data_size_in = static_cast<uint32_t>(frame.size());
        opts.data_out = out.data();
        opts.data_size_out = static_cast<uint32_t>(out.size());
        opts.ctx_in = &context;
        opts.ctx_size_in = sizeof(context);
        opts.repeat = repeat;
        if (int err = bpf_prog_test_run_opts(programFd, &opts); err != 0) {
            throw std::runtime_error(std::string("BPF_PROG_TEST_RUN: ") + std::strerror(-err));
        }
        result.durations.push_back(opts.duration);
        result.verdict = opts.retval;
    }
    std::sort(result.durations.begin(), result.durations.end());
    return result;
}

uint32_t parseNumber(const char* text, const char* option) {
    char* end = nullptr;
    unsigned long value = std::strtoul(text, &end, 10);
    if (end == text || *end != '\0' || value == 0 || value > 100000000) {
        throw std::runtime_error(std::string("bad value for ") + option + ": " + text);
    }
    return static_cast<uint32_t>(value);
}

}  // namespace

int main(int argc, char** argv) {
    uint32_t repeat = 1000000;
    int rounds = 5;
    try {
        for (int i = 1; i < argc; ++i) {
            std::string option = argv[i];
            if (option == "--repeat" && i + 1 < argc) {
                repeat = parseNumber(argv[++i], "--repeat");
            } else if (option == "--rounds" && i + 1 < argc) {
                rounds =
                    static_cast<int>(std::min<uint32_t>(parseNumber(argv[++i], "--rounds"), 1000));
            } else {
                std::fprintf(stderr, "usage: bpf_prog_cost [--repeat N] [--rounds R]\n");
                return 2;
            }
        }
        std::string pinRoot = "/sys/fs/bpf/bpf-prog-cost-" + std::to_string(getpid());
        BpfForwarder::Options options;
        options.pinRoot = pinRoot;
        options.capacity = 64;
        BpfForwarder forwarder(0, options);
        struct Case {
            const char* name;
            std::vector<uint8_t> frame;
        };
        std::vector<Case> cases;
        try {
            auto a = endpoint("10.0.0.2", 4000), b = endpoint("10.0.0.1", 30000);
            auto c = endpoint("10.1.0.1", 40000), d = endpoint("10.1.0.2", 50000);
            auto a6 = endpoint("2001:db8::2", 4000), b6 = endpoint("2001:db8::1", 30000);
            auto c6 = endpoint("2001:db8:1::1", 40000), d6 = endpoint("2001:db8:1::2", 50000);
            for (const auto& r : {rule(b, c, d, 0xB8), rule(d, a, b, 0x00), rule(b6, c6, d6, 0xB8),
                                  rule(d6, a6, b6, 0x00)}) {
                if (auto slot = forwarder.upsert(r); !slot) {
                    throw std::runtime_error("installing a rule: " + slot.error());
                }
            }
            auto ipv4 = [&] {
                return PacketBuilder().from(a.address().toString(), 4000).to("10.0.0.1", 30000);
            };
            cases.push_back({"ipv4_hit", ipv4().ttl(60).rtp(0, 172).build()});
            cases.push_back(
                {"ipv4_hit_csum0", ipv4().ttl(60).zeroUdpChecksum().rtp(0, 172).build()});
            cases.push_back({"ipv6_hit", PacketBuilder()
                                             .from("2001:db8::2", 4000)
                                             .to("2001:db8::1", 30000)
                                             .ttl(60)
                                             .rtp(0, 172)
                                             .build()});
            cases.push_back({"miss", ipv4().to("10.0.0.1", 30002).rtp(0, 172).build()});
            for (const auto& c : cases) {
                Result r = measure(forwarder.programFd(), c.frame, repeat, rounds);
                std::printf(
                    "case=%s repeat=%u rounds=%d min_ns=%u median_ns=%u max_ns=%u verdict=%u\n",
                    c.name, repeat, rounds, r.durations.front(),
                    r.durations[r.durations.size() / 2], r.durations.back(), r.verdict);
                std::fflush(stdout);
            }
        } catch (...) {
            forwarder.destroy();
            std::filesystem::remove_all(pinRoot);
            throw;
        }
        forwarder.destroy();
        std::error_code ignored;
        std::filesystem::remove_all(pinRoot, ignored);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bpf_prog_cost: %s\n", e.what());
        return 1;
    }
    return 0;
}
