// The dashboard against rtprelayd with the eBPF fast path: the daemon runs with a kernel table
// of its own in a network namespace made for the test (its loopback carries ng, HTTP and
// media), so the metrics that exist only with table >= 0 are checked too. Needs root
// (namespaces, BPF, nftables), as CI has; skipped otherwise.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "protocol/DashboardCheck.h"
#include "protocol/DashboardFixture.h"

namespace rtprelay::test {
namespace {

class DashboardKernel : public DashboardFixture {
protected:
    void SetUp() override {
        if (geteuid() != 0) {
            GTEST_SKIP() << "needs root for a network namespace and the eBPF program";
        }
        // gtest runs tests on the main thread: it and everything it starts (rtprelayd, `ip`)
        // move into a fresh namespace, which the kernel frees after TearDown's setns().
        original_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        ASSERT_GE(original_, 0) << std::strerror(errno);
        ASSERT_EQ(unshare(CLONE_NEWNET), 0) << std::strerror(errno);
        ASSERT_EQ(std::system("ip link set lo up"), 0);
        // bpffs is global: the pin directory of a table reserves it against parallel runs.
        struct statfs fs {};
        if (statfs("/sys/fs/bpf", &fs) != 0 || fs.f_type != BPF_FS_MAGIC) {
            ASSERT_EQ(std::system("mount -t bpf bpf /sys/fs/bpf"), 0) << "cannot mount bpffs";
        }
        std::error_code error;
        std::filesystem::create_directories(pins_, error);
        ASSERT_FALSE(error) << pins_ << ": " << error.message();
        for (int t = 63; t >= 0 && table_ < 0; --t) {
            if (mkdir((pins_ + "/" + std::to_string(t)).c_str(), 0700) == 0) {
                table_ = t;
            }
        }
        ASSERT_GE(table_, 0) << "no free kernel table under " << pins_;
        startWithHttp(std::to_string(table_));
    }

    void TearDown() override {
        if (daemon_) {
            daemon_->signal(SIGTERM);
            daemon_->wait(std::chrono::seconds(5));
            daemon_.reset();
        }
        if (table_ >= 0) {  // unpinning detaches the program and frees the maps
            std::error_code ignored;
            std::filesystem::remove_all(pins_ + "/" + std::to_string(table_), ignored);
        }
        if (original_ >= 0) {
            EXPECT_EQ(setns(original_, CLONE_NEWNET), 0) << std::strerror(errno);
            close(original_);
        }
    }

    const std::string pins_ = "/sys/fs/bpf/rtprelay";
    int table_ = -1;
    int original_ = -1;
};

TEST_F(DashboardKernel, UsesOnlyMetricsTheDaemonExportsWithTheFastPath) {
    auto dashboard = loadDashboard();
    ASSERT_TRUE(dashboard) << "cannot read " << dashboardPath() << " as JSON";
    driveTraffic();
    Exposition page = metrics();
    ASSERT_EQ(page.value("rtprelay_ebpf_attached"), 1.0)
        << "the eBPF program did not attach; daemon log:\n"
        << daemon_->log();
    DashboardReport report = checkDashboard(*dashboard, page);
    EXPECT_GE(report.queries, 20u);
    std::ostringstream lines;
    for (const auto& p : report.problems) {
        lines << "  " << p << "\n";
    }
    EXPECT_TRUE(report.problems.empty()) << dashboardPath() << ":\n" << lines.str();
}

}  // namespace
}  // namespace rtprelay::test
