#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "control/Bencode.h"

namespace rtprelay::bench {

// Connects a UDP socket to an ng server given as HOST:PORT, [V6]:PORT or V6:PORT (the port
// after the last colon), non-blocking, with `bufferBytes` of send and receive buffer. On error
// prints "TOOL: why" and exits with status 2 (a benchmark cannot go on without it).
int connectNgSocket(const char* tool, const std::string& server, int bufferBytes);

// What became of one request.
struct NgCompletion {
    enum class Kind { reply, undecodable, timeout };
    uint64_t tag = 0;  // the caller's tag given to send()
    Kind kind = Kind::timeout;
    control::bencode::Value value;     // the decoded reply (Kind::reply)
    std::chrono::microseconds rtt{0};  // first send to reply
};

// The client side of the ng protocol over one UDP socket: every request gets a fresh cookie
// (PREFIX_SEQ), replies are matched by it, a request without a reply is sent again (same
// cookie) after `retransmitAfter` and given up after `maxTries` sends. Replies that match no
// pending request (late duplicates, garbage) are counted as stray.
class NgClient {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr auto retransmitAfter = std::chrono::seconds(1);
    static constexpr int maxTries = 5;

    NgClient(int sock, std::string prefix);

    // Encodes and sends `request`; `tag` comes back in its completion.
    void send(const control::bencode::Value& request, uint64_t tag);

    // Waits up to `maxWait` (less when a retransmission is due) for replies and for `extraFd`
    // (-1: none) to become readable, resends what is due and hands each finished request to
    // `done`. Returns true when extraFd is readable.
    bool poll(std::chrono::milliseconds maxWait, int extraFd,
              const std::function<void(NgCompletion&)>& done);

    // Sends all `requests`, `window` in flight, until each has a reply or was given up, or
    // `stop` becomes true. Returns the decoded reply per request (nullopt: none, undecodable).
    std::vector<std::optional<control::bencode::Value>> exchange(
        const std::vector<control::bencode::Value>& requests, size_t window,
        const std::atomic<bool>& stop);

    size_t inFlight() const { return pending_.size(); }
    uint64_t requests() const { return requests_; }
    uint64_t datagrams() const { return datagrams_; }
    uint64_t retransmits() const { return retransmits_; }
    uint64_t stray() const { return stray_; }

private:
    struct Pending {
        uint64_t tag;
        std::string packet;
        int tries;
        Clock::time_point firstSent;
    };
    struct Timer {
        Clock::time_point due;
        uint64_t seq;
        int tries;
    };

    void transmit(const std::string& packet);
    void onDatagram(std::string_view data, const std::function<void(NgCompletion&)>& done);
    void expireTimers(const std::function<void(NgCompletion&)>& done);

    int sock_;
    std::string prefix_;
    uint64_t seq_ = 0;
    std::unordered_map<uint64_t, Pending> pending_;
    std::deque<Timer> timers_;  // due times only grow: a FIFO is a priority queue here
    std::vector<char> buf_ = std::vector<char>(65536);
    uint64_t requests_ = 0;
    uint64_t datagrams_ = 0;
    uint64_t retransmits_ = 0;
    uint64_t stray_ = 0;
};

}  // namespace rtprelay::bench
