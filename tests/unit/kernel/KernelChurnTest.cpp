// Churn through the eBPF fast path (issue 7): call after call is set up, its media kernelized
// and the call deleted (at once or after a delete-delay); afterwards the kernel table, the
// ports and the daemon's descriptors are back where they started. The userspace churn is
// tests/protocol/RobustnessTest.cpp; this is its kernel-table half. Needs root
// (KernelDaemonFixture.h). RTPRELAY_KERNEL_CHURN_CYCLES sets the number of calls.
#include <dirent.h>

#include <algorithm>
#include <cstdlib>

#include "unit/kernel/KernelDaemonFixture.h"

namespace rtprelay::kernel {
namespace {

using KernelChurnTest = KernelDaemonTest;

size_t openDescriptors(pid_t pid) {
    size_t n = 0;
    DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
    if (!dir) {
        return 0;
    }
    while (dirent* e = readdir(dir)) {
        n += e->d_name[0] != '.';
    }
    closedir(dir);
    return n;
}

int cycles() {
    const char* text = getenv("RTPRELAY_KERNEL_CHURN_CYCLES");
    return text ? std::max(1, atoi(text)) : 60;
}

TEST_F(KernelChurnTest, EveryKernelEntryPortAndDescriptorIsGivenBack) {
    // delete-delay 0 by default; every third call asks for 1 s in its delete.
    start(64, {"--delete-delay=0"});
    Value kernel = kernelStatistics();
    ASSERT_EQ(kernel.find("ebpf") ? kernel.find("ebpf")->str() : "", "attached") << daemon_->log();

    auto portsUsed = [&] {
        Value reply = request(command("statistics"));
        int64_t used = 0;
        for (const auto& iface : reply.find("statistics")->find("interfaces")->items()) {
            used += iface.find("ports")->find("used")->integer();
        }
        return used;
    };
    auto entries = [&] { return intAt(kernelStatistics(), "entries"); };

    // One call first, so that whatever the first kernelization opens once is in the baseline.
    auto cycle = [&](int i) {
        std::string id = "churn-" + std::to_string(i);
        Call c = call(id);
        // Media both ways until both streams are in the kernel (the sender confirmed on each
        // side); bounded: 400 pairs of packets, 2 s.
        bool kernelized = false;
        for (int n = 0; n < 400 && !kernelized; ++n) {
            c.caller->send(c.toCallee, proto::rtpPacket(static_cast<uint16_t>(n), 0x1111, 'a'));
            c.callee->send(c.toCaller, proto::rtpPacket(static_cast<uint16_t>(n), 0x2222, 'b'));
            std::this_thread::sleep_for(5ms);
            if (n % 4 == 3) {
                kernelized = entries() >= 2;
            }
        }
        EXPECT_TRUE(kernelized) << id << " never reached the kernel; log:\n" << daemon_->log();
        Value d = command("delete");
        d.set("call-id", id);
        if (i % 3 == 2) {
            d.set("delete-delay", 1);
        }
        Value reply = request(d);
        EXPECT_EQ(reply.find("result") ? reply.find("result")->str() : "", "ok") << id;
        return kernelized;
    };
    ASSERT_TRUE(cycle(0));
    std::this_thread::sleep_for(200ms);
    const size_t descriptorsBefore = openDescriptors(daemon_->pid());
    ASSERT_GT(descriptorsBefore, 0u);

    int kernelizedCalls = 0;
    const int n = cycles();
    for (int i = 1; i <= n && !HasFailure(); ++i) {
        kernelizedCalls += cycle(i);
    }
    EXPECT_EQ(kernelizedCalls, n);

    // Delayed deletes run on the 1 s timer: poll until every call and entry is gone.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline && (entries() != 0 || portsUsed() != 0)) {
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(entries(), 0) << daemon_->log();
    EXPECT_EQ(portsUsed(), 0);
    EXPECT_EQ(openDescriptors(daemon_->pid()), descriptorsBefore);
    Value list = request(command("list"));
    EXPECT_TRUE(!list.find("calls") || list.find("calls")->items().empty());
}

}  // namespace
}  // namespace rtprelay::kernel
