#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/IpAddress.h"
#include "kernel/ForwardingRule.h"
#include "kernel/ForwardingStats.h"
#include "kernel/Result.h"
#include "kernel/StatsSlots.h"
#include "kernel/VerdictCounts.h"

struct rtprelay_bpf;
struct rtprelay_stats;

namespace rtprelay::kernel {

// How the program hangs on a device's tc ingress hook.
enum class AttachMode {
    automatic,  // tcx when the kernel has it (>= 6.6), classic otherwise
    tcx,        // a BPF link (BPF_TCX_INGRESS), pinned so that it outlives the daemon
    classic,    // a clsact qdisc with a direct-action cls_bpf filter
};

struct Attachment {
    int ifindex = 0;
    AttachMode mode = AttachMode::tcx;
    // The device went away (tcx link without device) or the filter is no longer there.
    bool defunct = false;
    friend bool operator==(const Attachment&, const Attachment&) = default;
};

// The kernel forwarding table `table` (rtpengine's `table = N`): the BPF program loaded from
// the embedded skeleton, its maps pinned under `<pinRoot>/<table>/`, and its attachments to
// devices. RAII: destroying the object closes file descriptors only. Maps, tcx links and tc
// filters stay, and the program keeps forwarding while no daemon runs; the next
// BpfForwarder for the same table re-adopts them (hitless restart). destroy() removes
// everything instead (clean shutdown).
//
// Pinned under <pinRoot>/<table>/: meta, tables, stats, verdicts, classic (maps), forward (the
// forwarding table in use, which `tables` holds; pinned for operators' tools) and
// link_<ifindex> (tcx links). Removing the directory detaches the tcx links; classic filters
// need destroy() or `tc filter del`.
//
// The forwarding table starts at Options::initialTableSize entries and is replaced by one
// RTPRELAY_TABLE_GROWTH times as large whenever the entries need it, up to the capacity: a
// table sized for the largest load makes every lookup of a small one miss the TLB.
//
// Device indexes belong to the network namespace of the thread calling attach()/detach();
// one table serves one namespace. Table and statistics calls may come from any thread;
// attach/detach/destroy belong to the control thread.
class BpfForwarder {
public:
    struct Options {
        std::string pinRoot = "/sys/fs/bpf/rtprelay";
        // Most entries and statistics slots (`kernel-table-size`). Pinned maps of another
        // capacity are replaced by maps of this one, their entries and counters copied over
        // (Origin::resized). Memory: 32 B per slot for the statistics, allocated at once,
        // and ~192 B per entry the forwarding table can hold (preallocated hash), which
        // grows with the entries: 2.3 MB for 1,024 entries, 14.5 MB for the default 65,536.
        uint32_t capacity = RTPRELAY_DEFAULT_CAPACITY;
        // Entries the first forwarding table holds (at most the capacity).
        uint32_t initialTableSize = RTPRELAY_INITIAL_TABLE_SIZE;
    };

    // What the constructor found under the pin directory.
    enum class Origin {
        created,   // nothing: new, empty maps
        adopted,   // maps of this layout version: entries and counters carried over
        replaced,  // maps of another layout: unpinned and recreated, entries lost
        // maps of this layout but another capacity: the table and statistics maps are
        // recreated with the new one and every entry that fits is copied with its counters
        resized,
    };

    // Loads the program and creates or re-adopts the table's maps; mounts bpffs at
    // /sys/fs/bpf when the pin root is below it and nothing is mounted there. Throws
    // std::runtime_error naming the step and the reason (errno text, verifier complaint).
    BpfForwarder(int table, const Options& options);
    ~BpfForwarder();

    BpfForwarder(const BpfForwarder&) = delete;
    BpfForwarder& operator=(const BpfForwarder&) = delete;

    int table() const { return table_; }
    Origin origin() const { return origin_; }
    const std::string& pinDirectory() const { return pinDir_; }
    uint32_t capacity() const { return capacity_; }
    // Entries the forwarding table in use can hold (grows up to capacity()).
    uint32_t tableSize() const;
    // Origin::resized: the size found, and the entries copied over and left out (a smaller
    // table than there were entries).
    uint32_t previousCapacity() const { return previousCapacity_; }
    size_t migratedEntries() const { return migratedEntries_; }
    size_t droppedEntries() const { return droppedEntries_; }
    // upsert() calls refused because every entry (or statistics slot) was taken.
    uint64_t fullRefusals() const { return fullRefusals_.load(std::memory_order_relaxed); }
    // Whether upsert() of a new entry could find a statistics slot now.
    bool hasRoom() const;
    // The loaded program (for BPF_PROG_TEST_RUN and diagnostics).
    int programFd() const;

    // Attaches to tc ingress of `ifindex`, or moves an existing attachment of this table
    // (left by a previous daemon) to this program atomically. Returns the mode used; throws
    // std::runtime_error on failure.
    AttachMode attach(int ifindex, AttachMode mode = AttachMode::automatic);
    // Removes this table's attachment from `ifindex`; nothing attached is not an error.
    // The clsact qdisc stays (other filters may use it). Throws std::runtime_error.
    void detach(int ifindex);
    // This table's attachments, including those left by a previous daemon.
    std::vector<Attachment> attachments() const;
    // Detaches everywhere and removes the pinned maps and the pin directory. The object
    // can only be destroyed afterwards. Throws std::runtime_error on the first failure.
    void destroy();

    // Installs or replaces the entry for `rule.local` and returns its statistics slot.
    // Replacing keeps the slot and its counters; a new entry gets a zeroed slot. `full`, if
    // given, tells a refusal for lack of room (counted in fullRefusals()) from other errors.
    Result<uint32_t> upsert(const ForwardingRule& rule, bool* full = nullptr);
    // A change of an entry's delivery mode, applied only to the entry as the caller saw it.
    struct RedirectChange {
        int ifindex = 0;
        net::Endpoint destination;
        std::optional<PeerRedirect> from;  // the mode the caller believes the entry has
        std::optional<PeerRedirect> to;    // peer delivery with these MACs, or neigh mode
    };
    // Switches the entry for `local` from `change.from` to `change.to`, keeping everything
    // else and its counters. False when there is no such entry or it is no longer the one
    // the caller saw (another device, destination or mode: a newer upsert decided its own).
    Result<bool> setPeerRedirect(const net::Endpoint& local, const RedirectChange& change);
    // Removes the entry for `local`: true if there was one. Userspace takes over at once
    // because its socket never closed.
    Result<bool> erase(const net::Endpoint& local);
    Result<std::optional<ForwardingRule>> find(const net::Endpoint& local) const;
    Result<std::vector<ForwardingRule>> entries() const;
    // Removes every entry; returns how many there were.
    Result<size_t> clear();
    Result<ForwardingStats> readStats(uint32_t slot) const;
    // Everything this object's entries forwarded and dropped: the entries in the table now
    // plus those it erased. Reads the mapped counters of the slots in use, no system call.
    ForwardingStats totals() const;
    Result<VerdictCounts> readVerdicts() const;

private:
    struct SkeletonDeleter {
        void operator()(rtprelay_bpf* skeleton) const;
    };
    struct OwnedFd {
        int fd = -1;
        ~OwnedFd();
    };

    void prepareDirectory(const Options& options);
    void adoptOrReplacePins(const Options& options);
    void pinNewMaps();
    void adoptTable();
    void migrateResized();
    // A new, empty forwarding table of `size` entries (a file descriptor), or -errno.
    static int createTable(uint32_t size);
    // The smallest table size of the growth sequence that holds `entries`, up to capacity_.
    uint32_t sizeFor(size_t entries) const;
    // Pins `fd` as `name`, replacing an existing pin in one step (pin under another name,
    // rename over it), so that a crash leaves the old map or the new one. Returns 0 or -errno.
    int pinReplacing(int fd, const std::string& name) const;
    // Pins `fd` as the forwarding table and puts it in `tables` for the program. Returns 0
    // or -errno.
    int installTable(int tables, int fd);
    // A new, empty forwarding table of the initial size, in use (throws on failure).
    void startEmptyTable();
    // Replaces the forwarding table by one of `size` entries holding the same entries
    // (mutex_ held). Returns an empty string or why it could not.
    std::string grow(uint32_t size);
    void removeDefunctLinks();
    void rebuildSlots();
    void mapStats();
    void zeroStats(uint32_t slot);
    // Keeps what a slot counted before it is released (mutex_ held).
    void retire(uint32_t slot);
    std::string pinPath(const std::string& name) const { return pinDir_ + "/" + name; }
    std::string linkPin(int ifindex) const { return pinPath("link_" + std::to_string(ifindex)); }
    void attachClassic(int ifindex);
    void detachClassic(int ifindex);

    int table_;
    std::string pinDir_;
    Origin origin_ = Origin::created;
    uint32_t capacity_ = 0;
    uint32_t initialTableSize_ = RTPRELAY_INITIAL_TABLE_SIZE;
    std::unique_ptr<rtprelay_bpf, SkeletonDeleter> skeleton_;
    int tablesFd_ = -1;
    // The forwarding table in use (owned) and its size; both change under mutex_ when it
    // grows, so every use of them holds it.
    int forwardFd_ = -1;
    uint32_t tableSize_ = 0;
    int statsFd_ = -1;
    // The statistics array, mapped: counters are read without a system call.
    rtprelay_stats* stats_ = nullptr;
    size_t statsLength_ = 0;
    int verdictsFd_ = -1;
    int classicFd_ = -1;
    unsigned int cpus_ = 1;
    uint32_t previousCapacity_ = 0;
    size_t migratedEntries_ = 0;
    size_t droppedEntries_ = 0;
    OwnedFd oldTablesFd_;
    OwnedFd oldStatsFd_;
    std::atomic<uint64_t> fullRefusals_{0};

    // Guards slots_ and the read-modify-write of upsert/erase/clear.
    mutable std::mutex mutex_;
    StatsSlots slots_{0};
    ForwardingStats retired_;  // counters of erased entries, for totals()
};

}  // namespace rtprelay::kernel
