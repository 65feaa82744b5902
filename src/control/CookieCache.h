#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rtprelay::control {

// Replies by cookie, so that a retransmitted request (same cookie) gets the identical reply
// and is never executed twice. Entries live 30-60 s: two generations, the older dropped at
// each rotation. A duplicate that arrives while the original is still executing waits for
// the original's reply. Replies are bounded in bytes too: a generation that fills its budget
// rotates early, so a high request rate shortens the replay window instead of growing memory
// without limit (offers carry SDP: ~2 KiB a reply).
class CookieCache {
public:
    using Clock = std::chrono::steady_clock;

    static constexpr size_t kDefaultGenerationBytes = 32u << 20;
    // Hash node, shared entry and string headers: what an entry costs besides its text.
    static constexpr size_t kEntryOverheadBytes = 160;

    explicit CookieCache(Clock::duration generation = std::chrono::seconds(30),
                         Clock::duration maxWait = std::chrono::seconds(30),
                         size_t generationBytes = kDefaultGenerationBytes);

    struct Lookup {
        bool execute = false;  // true: the caller owns the cookie and must call complete()
        std::string reply;     // when !execute: the reply to resend
    };

    // Either hands the cookie to the caller for execution or returns the reply of an
    // earlier (or concurrent) execution.
    Lookup begin(const std::string& cookie);
    void complete(const std::string& cookie, std::string reply);
    size_t size() const;
    // Bytes held by completed entries (text plus overhead), both generations.
    size_t bytes() const;

private:
    struct Entry {
        bool done = false;
        std::string reply;
    };
    using Map = std::unordered_map<std::string, std::shared_ptr<Entry>>;

    void rotateIfDue(Clock::time_point now);
    std::shared_ptr<Entry> find(const std::string& cookie) const;

    const Clock::duration generation_;
    const Clock::duration maxWait_;
    const size_t generationBytes_;
    mutable std::mutex mutex_;
    std::condition_variable completed_;
    Map current_;
    Map previous_;
    Clock::time_point lastRotation_;
    size_t currentBytes_ = 0;
    size_t previousBytes_ = 0;
};

}  // namespace rtprelay::control
