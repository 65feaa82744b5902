#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "protocol/DaemonFixture.h"

namespace rtprelay::test {

// An SDP with one audio stream at address:port offering `payloadTypes`.
inline std::string audioSdp(const std::string& address, int port,
                            const std::string& payloadTypes = "0") {
    return "v=0\r\no=- 1 1 IN IP4 " + address + "\r\ns=-\r\nc=IN IP4 " + address +
           "\r\nt=0 0\r\nm=audio " + std::to_string(port) + " RTP/AVP " + payloadTypes + "\r\n";
}

// rtprelayd with media on loopback and a port range of its own, plus helpers to build ng
// requests the way Kamailio sends them and to compare SDP against golden text.
class SignallingFixture : public ::testing::Test {
protected:
    void SetUp() override {}

    void startDaemon(std::vector<std::string> extra = {}, int rangeSize = 200) {
        // A range unlikely to collide with parallel test processes: random, and free right now.
        for (int attempt = 0; attempt < 50; ++attempt) {
            portMin_ =
                20000 + static_cast<int>((::getpid() * 211 + attempt * 7919) % 18000) / 2 * 2;
            portMax_ = portMin_ + rangeSize - 1;
            if (rangeIsFree(portMin_, portMax_)) {
                break;
            }
        }
        ngPort_ = freePort(SOCK_DGRAM);
        std::vector<std::string> args = {"--config-file=none",
                                         "-f",
                                         "-E",
                                         "--no-log-timestamps",
                                         "-n",
                                         "127.0.0.1:" + std::to_string(ngPort_),
                                         "-m",
                                         std::to_string(portMin_),
                                         "-M",
                                         std::to_string(portMax_)};
        bool hasInterface = false;
        for (const auto& a : extra) {
            hasInterface = hasInterface || a == "-i" || a.rfind("--interface", 0) == 0;
        }
        if (!hasInterface) {
            args.push_back("-i");
            args.push_back("127.0.0.1");
        }
        args.insert(args.end(), extra.begin(), extra.end());
        args_ = args;
        restartDaemon();
    }

    // A new daemon with the arguments of the last startDaemon() (same ports).
    void restartDaemon() {
        client_.reset();
        daemon_ = std::make_unique<DaemonProcess>(args_, std::string(), daemonInChild_);
        server_ = net::Endpoint(net::IpAddress::loopback(net::Family::ipv4), ngPort_);
        ASSERT_TRUE(waitForPong(server_, std::chrono::seconds(5))) << daemon_->log();
        client_ = std::make_unique<NgUdpClient>(server_);
    }

    static bool rangeIsFree(int first, int last) {
        for (int port = first; port <= last; ++port) {
            int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
            sockaddr_storage ss;
            socklen_t len = net::Endpoint(net::IpAddress::loopback(net::Family::ipv4),
                                          static_cast<uint16_t>(port))
                                .toSockaddr(ss);
            bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
            ::close(fd);
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    control::bencode::Value request(const control::bencode::Value& r) {
        auto reply = client_->request(r);
        EXPECT_TRUE(reply) << "no reply; daemon log:\n" << daemon_->log();
        return reply ? *reply : control::bencode::Value::dict();
    }

    static control::bencode::Value offer(const std::string& callId, const std::string& fromTag,
                                         const std::string& sdp) {
        auto v = command("offer");
        v.set("call-id", callId);
        v.set("from-tag", fromTag);
        v.set("sdp", sdp);
        return v;
    }

    static control::bencode::Value answer(const std::string& callId, const std::string& fromTag,
                                          const std::string& toTag, const std::string& sdp) {
        auto v = command("answer");
        v.set("call-id", callId);
        v.set("from-tag", fromTag);
        v.set("to-tag", toTag);
        v.set("sdp", sdp);
        return v;
    }

    static control::bencode::Value del(const std::string& callId) {
        auto v = command("delete");
        v.set("call-id", callId);
        return v;
    }

    // Where each side of a call sends its media: the first stream's relay ports.
    struct RelayPorts {
        net::Endpoint towardsCallee;  // where the callee sends (advertised in the offer)
        net::Endpoint towardsCaller;  // where the caller sends (advertised in the answer)
    };

    // Offer from `callerTag`, answer from `calleeTag`; a failure of either is recorded and
    // leaves the endpoints empty. `offerExtra` keys are added to the offer.
    RelayPorts setUpCall(
        const std::string& callId, const std::string& callerSdp, const std::string& calleeSdp,
        const std::string& callerTag = "caller", const std::string& calleeTag = "callee",
        const control::bencode::Value& offerExtra = control::bencode::Value::dict()) {
        auto o = offer(callId, callerTag, callerSdp);
        for (const auto& [key, value] : offerExtra.entries()) {
            o.set(key, value);
        }
        auto offered = request(o);
        EXPECT_EQ(resultOf(offered), "ok") << callId << ": " << errorReasonOf(offered);
        auto answered = request(answer(callId, callerTag, calleeTag, calleeSdp));
        EXPECT_EQ(resultOf(answered), "ok") << callId << ": " << errorReasonOf(answered);
        return {firstStream(sdpOf(offered)), firstStream(sdpOf(answered))};
    }

    // The connection address and port of the first m= line; empty when there is none.
    static net::Endpoint firstStream(const std::string& sdp) {
        std::smatch c;
        auto ports = mediaPorts(sdp);
        if (ports.empty() || !std::regex_search(sdp, c, std::regex("c=IN IP[46] ([^\r\n]+)"))) {
            return {};
        }
        auto address = net::IpAddress::parse(c[1].str());
        return address ? net::Endpoint(*address, static_cast<uint16_t>(ports[0])) : net::Endpoint();
    }

    static std::string sdpOf(const control::bencode::Value& reply) {
        const auto* s = reply.find("sdp");
        return s && s->isString() ? s->str() : std::string();
    }

    // Ports of every m= line, in order.
    static std::vector<int> mediaPorts(const std::string& sdp) {
        std::vector<int> ports;
        std::regex m("m=[a-z]+ ([0-9]+) ");
        for (auto it = std::sregex_iterator(sdp.begin(), sdp.end(), m);
             it != std::sregex_iterator(); ++it) {
            ports.push_back(std::stoi((*it)[1]));
        }
        return ports;
    }

    // Golden comparison: `expected` uses LF line ends and {P0} {P0+1} {P1} {P1+1} ... for the
    // ports of the m= lines; the actual SDP must use CRLF, and its ports must lie in the
    // configured range with RTP even.
    void expectSdp(const std::string& actual, std::string expected) {
        auto ports = mediaPorts(actual);
        for (size_t i = 0; i < ports.size(); ++i) {
            if (ports[i] == 0) {
                continue;
            }
            EXPECT_GE(ports[i], portMin_) << actual;
            EXPECT_LE(ports[i] + 1, portMax_) << actual;
            EXPECT_EQ(ports[i] % 2, 0) << actual;
            std::string p = "{P" + std::to_string(i) + "}";
            std::string p1 = "{P" + std::to_string(i) + "+1}";
            expected = std::regex_replace(
                expected, std::regex(std::regex_replace(p1, std::regex("[{}+]"), "\\$&")),
                std::to_string(ports[i] + 1));
            expected = std::regex_replace(
                expected, std::regex(std::regex_replace(p, std::regex("[{}+]"), "\\$&")),
                std::to_string(ports[i]));
        }
        std::string crlf;
        for (char c : expected) {
            if (c == '\n') {
                crlf += "\r\n";
            } else {
                crlf += c;
            }
        }
        EXPECT_EQ(actual, crlf);
    }

    std::vector<std::string> args_;
    int portMin_ = 0;
    int portMax_ = 0;
    uint16_t ngPort_ = 0;
    net::Endpoint server_;
    std::unique_ptr<DaemonProcess> daemon_;
    std::function<void()> daemonInChild_;  // runs in the daemon's process before exec
    std::unique_ptr<NgUdpClient> client_;
};

}  // namespace rtprelay::test
