#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace rtprelay::kernel::test {

// Every test runs in a network namespace of its own, so the host's ruleset is never touched
// and each test starts from an empty one. How: SetUp() moves the test thread (gtest runs
// tests on the main thread) into a fresh namespace with unshare(CLONE_NEWNET); everything the
// test starts from that thread (libnftables' netlink socket, `nft` and rtprelayd via popen)
// lives there too. TearDown() returns the thread with setns() to the namespace it came from,
// and the kernel frees the test's namespace with its last reference. Nothing is left under
// /run/netns. Needs root (CAP_SYS_ADMIN); skipped otherwise.
class NetnsFixture : public ::testing::Test {
protected:
    struct Shell {
        int status = -1;
        std::string output;  // stdout and stderr
    };

    void SetUp() override {
        if (geteuid() != 0) {
            GTEST_SKIP() << "needs root for a network namespace";
        }
        original_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        ASSERT_GE(original_, 0) << std::strerror(errno);
        if (unshare(CLONE_NEWNET) != 0) {
            int e = errno;
            close(original_);
            original_ = -1;
            GTEST_SKIP() << "unshare(CLONE_NEWNET): " << std::strerror(e);
        }
        Shell nft = sh("nft list ruleset");
        if (nft.status != 0) {
            GTEST_SKIP() << "nft does not work here: " << nft.output;
        }
        ASSERT_EQ(nft.output, "") << "a fresh namespace must have an empty ruleset";
    }

    void TearDown() override {
        if (original_ >= 0) {
            EXPECT_EQ(setns(original_, CLONE_NEWNET), 0) << std::strerror(errno);
            close(original_);
            original_ = -1;
        }
    }

    // Runs a shell command in the test's namespace.
    static Shell sh(const std::string& command) {
        Shell result;
        FILE* pipe = popen((command + " 2>&1").c_str(), "r");
        if (pipe == nullptr) {
            return result;
        }
        char buffer[4096];
        size_t n;
        while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
            result.output.append(buffer, n);
        }
        int status = pclose(pipe);
        result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return result;
    }

    static std::string ruleset() { return sh("nft list ruleset").output; }

    // Loads a ruleset in nft's file syntax.
    static void load(const std::string& text) {
        FILE* f = popen("nft -f - 2>&1", "w");
        ASSERT_NE(f, nullptr);
        fwrite(text.data(), 1, text.size(), f);
        ASSERT_EQ(pclose(f), 0) << "nft -f failed for:\n" << text;
    }

    static std::string chainText(const std::string& family, const std::string& chain) {
        return sh("nft list chain " + family + " filter " + chain).output;
    }

    // Elements of set `name` in `family filter`; {-1} when the set does not exist.
    static std::set<int> setElements(const std::string& family, const std::string& name) {
        Shell listed = sh("nft -j list set " + family + " filter " + name);
        if (listed.status != 0) {
            return {-1};
        }
        std::set<int> ports;
        auto doc = nlohmann::json::parse(listed.output, nullptr, false);
        if (doc.is_discarded()) {
            return {-2};
        }
        for (const auto& item : doc["nftables"]) {
            if (item.contains("set") && item["set"].contains("elem")) {
                for (const auto& e : item["set"]["elem"]) {
                    ports.insert(e.get<int>());
                }
            }
        }
        return ports;
    }

    // Occurrences of `needle` in `haystack`.
    static size_t count(const std::string& haystack, const std::string& needle) {
        size_t n = 0;
        for (size_t at = haystack.find(needle); at != std::string::npos;
             at = haystack.find(needle, at + needle.size())) {
            ++n;
        }
        return n;
    }

private:
    int original_ = -1;
};

}  // namespace rtprelay::kernel::test
