// kernel-table-size through the real daemon: a tiny table fills up, the streams that do not fit
// stay in userspace (media still flows), are counted in `statistics` and reported by one log
// line; a restart with another size resizes the pinned table and keeps its entries.
//
// Needs root (KernelDaemonFixture.h).
#include <bpf/bpf.h>

#include "kernel/bpf/forwarding.h"
#include "unit/kernel/KernelDaemonFixture.h"

namespace rtprelay::kernel {
namespace {

class KernelTableSizeTest : public KernelDaemonTest {
protected:
    int64_t kernelRelayedPackets() {
        return intAt(statistics("totalstatistics"), "relayedpackets_kernel");
    }
};

TEST_F(KernelTableSizeTest, AFullTableLeavesStreamsInUserspaceCountedAndReportedOnce) {
    start(2);
    Value kernel = kernelStatistics();
    ASSERT_EQ(kernel.find("ebpf") ? kernel.find("ebpf")->str() : "", "attached") << daemon_->log();
    EXPECT_EQ(intAt(kernel, "capacity"), 2);
    EXPECT_EQ(intAt(kernel, "table size"), 2);  // the first table, capped by the capacity
    EXPECT_EQ(intAt(kernel, "table full refusals"), 0);

    // The first call's two streams fill the table (and are forwarded in the kernel).
    Call first = call("full-1");
    media(first, 1, 20);
    auto kernelized = media(first, 100, 20);
    EXPECT_EQ(kernelized.first, 20u);
    EXPECT_EQ(kernelized.second, 20u);
    kernel = kernelStatistics();
    EXPECT_EQ(intAt(kernel, "entries"), 2) << daemon_->log();
    EXPECT_EQ(intAt(kernel, "table full refusals"), 0);

    // Two more calls: four streams refused, each once, however many packets follow.
    Call second = call("full-2");
    Call third = call("full-3");
    media(second, 1, 20);
    auto [toCaller, toCallee] = media(third, 1, 20);
    // Relayed in userspace all the same: after learning, every packet arrives.
    auto later = media(third, 100, 20);
    EXPECT_EQ(later.first, 20u);
    EXPECT_EQ(later.second, 20u);
    EXPECT_GT(toCaller, 0u);
    EXPECT_GT(toCallee, 0u);
    media(second, 100, 20);

    kernel = kernelStatistics();
    EXPECT_EQ(intAt(kernel, "entries"), 2);
    EXPECT_EQ(intAt(kernel, "table full refusals"), 4) << daemon_->log();
    if (getenv("SHOW_LOG")) {
        std::cout << daemon_->log();
    }
    std::string log = daemon_->log();
    EXPECT_EQ(occurrences(log, "is full (2 entries)"), 1u) << log;
    EXPECT_NE(log.find("raise kernel-table-size"), std::string::npos) << log;

    // A restart with a larger table: the pinned maps are resized, the entries carried over.
    daemon_->signal(SIGTERM);
    ASSERT_TRUE(daemon_->wait(10s)) << daemon_->log();
    start(8);
    EXPECT_TRUE(
        daemon_->waitForLog("resized from 2 to 8 entries (kernel-table-size); 2 entries "
                            "of the previous run carried over, 0 did not fit",
                            5s))
        << daemon_->log();
    kernel = kernelStatistics();
    EXPECT_EQ(intAt(kernel, "capacity"), 8);
    EXPECT_EQ(intAt(kernel, "table size"), 8);
    EXPECT_EQ(intAt(kernel, "entries"), 2);
    EXPECT_EQ(intAt(kernel, "adopted entries"), 2);
    EXPECT_EQ(intAt(kernel, "table full refusals"), 0);
    // The first call's entries, now in the resized maps, forward with no call in this daemon.
    auto afterRestart = media(first, 200, 20);
    EXPECT_EQ(afterRestart.first, 20u);
    EXPECT_EQ(afterRestart.second, 20u);
}

TEST_F(KernelTableSizeTest, AStreamLeftOutByAFullTableMovesToTheKernelOnceACallEnds) {
    start(2, {"--delete-delay=0"});
    Call first = call("room-1");
    media(first, 1, 20);
    media(first, 100, 20);
    ASSERT_EQ(intAt(kernelStatistics(), "entries"), 2) << daemon_->log();

    // Refused while the first call holds the table; offered again every 2 s meanwhile, which
    // neither counts as another refusal nor takes a place.
    Call second = call("room-2");
    media(second, 1, 20);
    auto deadline = std::chrono::steady_clock::now() + 2500ms;
    uint16_t seq = 100;
    while (std::chrono::steady_clock::now() < deadline) {
        media(second, seq, 5);
        seq = static_cast<uint16_t>(seq + 5);
    }
    Value kernel = kernelStatistics();
    EXPECT_EQ(intAt(kernel, "table full refusals"), 2) << daemon_->log();
    EXPECT_EQ(intAt(kernel, "entries"), 2);

    Value end = command("delete");
    end.set("call-id", "room-1");
    end.set("from-tag", "a-room-1");
    EXPECT_EQ(request(end).find("result")->str(), "ok");
    ASSERT_EQ(intAt(kernelStatistics(), "entries"), 0) << daemon_->log();

    // Within the retry interval (plus slack) the second call's streams take the freed room.
    int64_t entries = 0;
    deadline = std::chrono::steady_clock::now() + 6s;
    while (std::chrono::steady_clock::now() < deadline && entries != 2) {
        media(second, seq, 5);
        seq = static_cast<uint16_t>(seq + 5);
        entries = intAt(kernelStatistics(), "entries");
    }
    ASSERT_EQ(entries, 2) << daemon_->log();
    kernel = kernelStatistics();
    EXPECT_EQ(intAt(kernel, "table full refusals"), 2);
    // Forwarded by the kernel now: its counters take the next packets.
    int64_t before = kernelRelayedPackets();
    auto [toCaller, toCallee] = media(second, seq, 20);
    EXPECT_EQ(toCaller, 20u);
    EXPECT_EQ(toCallee, 20u);
    EXPECT_GE(kernelRelayedPackets() - before, 40) << daemon_->log();
}

// A daemon of another layout version left the table (an upgrade, e.g. from layout 2 without
// the MACs of peer delivery): its maps are replaced and logged, its entries not misread; the
// call goes on in userspace and its streams are kernelized again.
TEST_F(KernelTableSizeTest, PinsOfAnotherLayoutAreReplacedAndLogged) {
    start(8);
    Call c = call("layout-1");
    media(c, 1, 20);
    media(c, 100, 20);
    ASSERT_EQ(intAt(kernelStatistics(), "entries"), 2) << daemon_->log();
    daemon_->signal(SIGTERM);
    ASSERT_TRUE(daemon_->wait(10s)) << daemon_->log();

    const std::string meta = std::string(kPinRoot) + "/" + std::to_string(table_) + "/meta";
    int fd = bpf_obj_get(meta.c_str());
    ASSERT_GE(fd, 0) << meta << ": " << std::strerror(errno);
    uint32_t zero = 0;
    rtprelay_meta older{RTPRELAY_MAGIC, RTPRELAY_LAYOUT_VERSION - 1};
    ASSERT_EQ(bpf_map_update_elem(fd, &zero, &older, BPF_ANY), 0);
    close(fd);

    start(8);
    EXPECT_TRUE(daemon_->waitForLog("had maps of another layout", 5s)) << daemon_->log();
    Value kernel = kernelStatistics();
    EXPECT_EQ(intAt(kernel, "entries"), 0);
    EXPECT_EQ(intAt(kernel, "adopted entries"), 0);
    // The call is gone with the old daemon; a new one is relayed and kernelized as usual.
    Call next = call("layout-2");
    media(next, 1, 20);
    auto forwarded = media(next, 100, 20);
    EXPECT_EQ(forwarded.first, 20u);
    EXPECT_EQ(forwarded.second, 20u);
    EXPECT_EQ(intAt(kernelStatistics(), "entries"), 2) << daemon_->log();
}

}  // namespace
}  // namespace rtprelay::kernel
