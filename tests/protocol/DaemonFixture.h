#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/IpAddress.h"
#include "protocol/DaemonProcess.h"
#include "protocol/NgClient.h"

namespace rtprelay::test {

// A running rtprelayd (foreground, stderr log) on free loopback ports for UDP and TCP ng.
class DaemonFixture : public ::testing::Test {
protected:
    void SetUp() override { start({}); }

    void start(std::vector<std::string> extra) {
        udpPort_ = freePort(SOCK_DGRAM);
        tcpPort_ = freePort(SOCK_STREAM);
        std::vector<std::string> args = {"--config-file=none",
                                         "-f",
                                         "-E",
                                         "--no-log-timestamps",
                                         "-i",
                                         "127.0.0.1",
                                         "-n",
                                         "127.0.0.1:" + std::to_string(udpPort_),
                                         "-N",
                                         "127.0.0.1:" + std::to_string(tcpPort_)};
        args.insert(args.end(), extra.begin(), extra.end());
        daemon_ = std::make_unique<DaemonProcess>(args);
        ASSERT_TRUE(waitForPong(udpEndpoint(), std::chrono::seconds(5))) << daemon_->log();
    }

    net::Endpoint udpEndpoint() const {
        return net::Endpoint(net::IpAddress::loopback(net::Family::ipv4), udpPort_);
    }
    net::Endpoint tcpEndpoint() const {
        return net::Endpoint(net::IpAddress::loopback(net::Family::ipv4), tcpPort_);
    }

    uint16_t udpPort_ = 0;
    uint16_t tcpPort_ = 0;
    std::unique_ptr<DaemonProcess> daemon_;
};

inline control::bencode::Value command(const std::string& name) {
    auto v = control::bencode::Value::dict();
    v.set("command", name);
    return v;
}

inline std::string resultOf(const control::bencode::Value& reply) {
    const auto* r = reply.find("result");
    return r && r->isString() ? r->str() : std::string("<none>");
}

inline std::string errorReasonOf(const control::bencode::Value& reply) {
    const auto* r = reply.find("error-reason");
    return r && r->isString() ? r->str() : std::string("<none>");
}

}  // namespace rtprelay::test
