#include "kernel/BpfForwarder.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include "kernel/LibbpfLog.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "rtprelay.skel.h"
#pragma GCC diagnostic pop

namespace rtprelay::kernel {

namespace {

// BPF_TCX_INGRESS from kernel 6.6's UAPI; Debian 12's headers predate it. Kernels without tcx
// reject the value with EINVAL, which selects the classic fallback.
constexpr auto kTcxIngress = static_cast<bpf_attach_type>(46);

// Classic filters: a handle per table so that tables (and other users of the hook) never
// replace each other's filter; a late priority so that filters others installed first, such
// as a firewall, still see every packet.
constexpr uint32_t kClassicHandleBase = 0x52500000;
constexpr uint32_t kClassicPriority = 0xC000;

constexpr const char* kBpffsMount = "/sys/fs/bpf";

std::string errnoText(int err) {
    return std::strerror(err < 0 ? -err : err);
}

// For a map call that failed on an entry: ENOENT means the entry is not (or no longer) there,
// which the callers answer with `absent`; anything else is an error about `what`.
template <typename T>
Result<T> absentOrFailure(int err, const std::string& what, T absent) {
    return err == ENOENT ? Result<T>(std::move(absent))
                         : Result<T>::failure(what + ": " + errnoText(err));
}

[[noreturn]] void fail(const std::string& what, int err) {
    std::string message = what + ": " + errnoText(err);
    std::string log = LibbpfLog::tail();
    if (!log.empty()) {
        message += " [libbpf: " + log + "]";
    }
    throw std::runtime_error(message);
}

bool onBpffs(const std::string& path) {
    struct statfs fs {};
    return statfs(path.c_str(), &fs) == 0 && fs.f_type == BPF_FS_MAGIC;
}

void makeDirectories(const std::string& path) {
    for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
        std::string prefix = path.substr(0, slash);
        if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
            fail("creating " + prefix, errno);
        }
        if (slash == std::string::npos) {
            return;
        }
    }
}

struct FdCloser {
    int fd;
    ~FdCloser() {
        if (fd >= 0) {
            close(fd);
        }
    }
};

// The statistics mapping is shared with the program, which adds to it on other CPUs.
uint64_t loadCounter(const __u64& counter) {
    return __atomic_load_n(&counter, __ATOMIC_RELAXED);
}

void storeCounter(__u64& counter, uint64_t value) {
    __atomic_store_n(&counter, value, __ATOMIC_RELAXED);
}

// Adds what one slot counted to `sum`.
void addCounted(ForwardingStats& sum, const rtprelay_stats& counters) {
    sum.packets += loadCounter(counters.packets);
    sum.bytes += loadCounter(counters.bytes);
    sum.errors += loadCounter(counters.errors);
}

int64_t clockNs(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

std::string entryName(const rtprelay_addr& key) {
    auto endpoint = ForwardingRule::fromKernelAddress(key);
    return endpoint ? endpoint->toString() : std::string("(invalid key)");
}

using TableEntry = std::pair<rtprelay_addr, rtprelay_fwd_value>;

// Every entry of the forwarding table `fd` that can still be read: one removed between the
// listing of its key and the read is left out.
std::vector<TableEntry> readEntries(int fd) {
    std::vector<TableEntry> entries;
    rtprelay_addr key{};
    rtprelay_addr next{};
    const rtprelay_addr* previous = nullptr;
    while (bpf_map_get_next_key(fd, previous, &next) == 0) {
        key = next;
        previous = &key;
        rtprelay_fwd_value value{};
        if (bpf_map_lookup_elem(fd, &key, &value) == 0) {
            entries.emplace_back(key, value);
        }
    }
    return entries;
}

// Copies every entry of the forwarding table `from` into `to`. In batches where the kernel
// has them (5.6): two system calls per 1,024 entries instead of three per entry, since
// kernelizations wait while a table of tens of thousands of entries is copied.
std::string copyEntries(int from, int to) {
    constexpr uint32_t kBatch = 1024;
    std::vector<rtprelay_addr> keys(kBatch);
    std::vector<rtprelay_fwd_value> values(kBatch);
    uint32_t token = 0;
    bool first = true;
    for (;;) {
        uint32_t count = kBatch;
        uint32_t nextToken = 0;
        int found = bpf_map_lookup_batch(from, first ? nullptr : &token, &nextToken, keys.data(),
                                         values.data(), &count, nullptr);
        int err = found == 0 ? 0 : errno;
        if (found != 0 && err != ENOENT) {
            if (first && err == EINVAL) {
                break;  // no batch operations: one entry at a time
            }
            return "reading the kernel entries: " + errnoText(err);
        }
        if (count > 0 &&
            bpf_map_update_batch(to, keys.data(), values.data(), &count, nullptr) != 0) {
            return "copying the kernel entries: " + errnoText(errno);
        }
        if (err == ENOENT) {
            return {};  // that was the last batch
        }
        token = nextToken;
        first = false;
    }
    for (const auto& [key, value] : readEntries(from)) {
        if (bpf_map_update_elem(to, &key, &value, BPF_NOEXIST) != 0) {
            return "copying kernel entry " + entryName(key) + ": " + errnoText(errno);
        }
    }
    return {};
}

}  // namespace

void BpfForwarder::SkeletonDeleter::operator()(rtprelay_bpf* skeleton) const {
    rtprelay_bpf__destroy(skeleton);
}

BpfForwarder::BpfForwarder(int table, const Options& options) : table_(table) {
    if (table < 0) {
        throw std::runtime_error("kernel table " + std::to_string(table) + " is not >= 0");
    }
    if (options.capacity == 0) {
        throw std::runtime_error("kernel table capacity must be at least 1");
    }
    LibbpfLog::install();
    LibbpfLog::clear();
    int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) {
        fail("counting possible CPUs", cpus);
    }
    cpus_ = static_cast<unsigned int>(cpus);
    initialTableSize_ = std::clamp(options.initialTableSize, 1u, options.capacity);
    prepareDirectory(options);

    skeleton_.reset(rtprelay_bpf__open());
    if (!skeleton_) {
        fail("opening the BPF object", errno);
    }
    adoptOrReplacePins(options);
    if (int err = rtprelay_bpf__load(skeleton_.get()); err != 0) {
        fail("loading the BPF program", err);
    }
    tablesFd_ = bpf_map__fd(skeleton_->maps.rtpr_tables);
    statsFd_ = bpf_map__fd(skeleton_->maps.rtpr_stats);
    verdictsFd_ = bpf_map__fd(skeleton_->maps.rtpr_verdicts);
    classicFd_ = bpf_map__fd(skeleton_->maps.rtpr_classic);
    capacity_ = bpf_map__max_entries(skeleton_->maps.rtpr_stats);
    mapStats();
    if (origin_ == Origin::adopted) {
        adoptTable();
    } else if (origin_ == Origin::resized) {
        migrateResized();
    } else {
        pinNewMaps();
    }
    removeDefunctLinks();
    rebuildSlots();
}

BpfForwarder::~BpfForwarder() {
    if (stats_ != nullptr) {
        munmap(stats_, statsLength_);
    }
    if (forwardFd_ >= 0) {
        close(forwardFd_);
    }
}

uint32_t BpfForwarder::tableSize() const {
    std::lock_guard lock(mutex_);
    return tableSize_;
}

int BpfForwarder::createTable(uint32_t size) {
    int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "rtpr_forward", sizeof(rtprelay_addr),
                            sizeof(rtprelay_fwd_value), size, nullptr);
    return fd >= 0 ? fd : -errno;
}

uint32_t BpfForwarder::sizeFor(size_t entries) const {
    uint32_t size = initialTableSize_;
    while (size < entries && size < capacity_) {
        size = static_cast<uint32_t>(
            std::min<uint64_t>(uint64_t{size} * RTPRELAY_TABLE_GROWTH, capacity_));
    }
    return size;
}

int BpfForwarder::pinReplacing(int fd, const std::string& name) const {
    std::string path = pinPath(name);
    std::string fresh = path + "_resized";  // bpffs refuses names with a dot
    unlink(fresh.c_str());
    if (bpf_obj_pin(fd, fresh.c_str()) != 0) {
        return -errno;
    }
    if (rename(fresh.c_str(), path.c_str()) != 0) {
        int err = errno;
        unlink(fresh.c_str());
        return -err;
    }
    return 0;
}

void BpfForwarder::startEmptyTable() {
    tableSize_ = initialTableSize_;
    forwardFd_ = createTable(tableSize_);
    if (forwardFd_ < 0) {
        fail("creating the forwarding table", forwardFd_);
    }
    if (int err = installTable(tablesFd_, forwardFd_); err != 0) {
        fail("installing the forwarding table", err);
    }
}

int BpfForwarder::installTable(int tables, int fd) {
    // The pin first: once the program uses the table, `forward` must show it.
    if (int err = pinReplacing(fd, "forward"); err != 0) {
        return err;
    }
    uint32_t zero = 0;
    if (bpf_map_update_elem(tables, &zero, &fd, BPF_ANY) != 0) {
        return -errno;
    }
    return 0;
}

void BpfForwarder::adoptTable() {
    uint32_t zero = 0;
    uint32_t id = 0;
    int fd = -1;
    if (bpf_map_lookup_elem(tablesFd_, &zero, &id) == 0) {
        fd = bpf_map_get_fd_by_id(id);
    }
    bpf_map_info info{};
    uint32_t length = sizeof(info);
    if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &length) == 0 &&
        info.type == BPF_MAP_TYPE_HASH && info.key_size == sizeof(rtprelay_addr) &&
        info.value_size == sizeof(rtprelay_fwd_value)) {
        forwardFd_ = fd;
        tableSize_ = info.max_entries;
        return;
    }
    if (fd >= 0) {
        close(fd);
    }
    // Pins are made after the table is in place, so this is someone else's doing: a table
    // of our shape from now on, without the entries nobody can read.
    startEmptyTable();
}

std::string BpfForwarder::grow(uint32_t size) {
    int fresh = createTable(size);
    if (fresh < 0) {
        return "creating a table of " + std::to_string(size) + " entries: " + errnoText(fresh);
    }
    FdCloser closer{fresh};
    if (auto why = copyEntries(forwardFd_, fresh); !why.empty()) {
        return why;
    }
    if (int err = installTable(tablesFd_, fresh); err != 0) {
        return "installing a table of " + std::to_string(size) + " entries: " + errnoText(err);
    }
    // Packets already past the lookup in the old table finish with it (RCU); closing our
    // descriptor frees it after them.
    close(forwardFd_);
    forwardFd_ = std::exchange(closer.fd, -1);
    tableSize_ = size;
    return {};
}

void BpfForwarder::mapStats() {
    long page = sysconf(_SC_PAGESIZE);
    size_t bytes = size_t{capacity_} * sizeof(rtprelay_stats);
    statsLength_ = (bytes + page - 1) / page * page;
    void* mapped = mmap(nullptr, statsLength_, PROT_READ | PROT_WRITE, MAP_SHARED, statsFd_, 0);
    if (mapped == MAP_FAILED) {
        fail("mapping the statistics array", errno);
    }
    stats_ = static_cast<rtprelay_stats*>(mapped);
}

BpfForwarder::OwnedFd::~OwnedFd() {
    if (fd >= 0) {
        close(fd);
    }
}

int BpfForwarder::programFd() const {
    return bpf_program__fd(skeleton_->progs.rtpr_ingress);
}

void BpfForwarder::prepareDirectory(const Options& options) {
    std::string root = options.pinRoot;
    while (root.size() > 1 && root.back() == '/') {
        root.pop_back();
    }
    if (root.empty() || root.front() != '/') {
        throw std::runtime_error("BPF pin root '" + options.pinRoot + "' is not an absolute path");
    }
    pinDir_ = root + "/" + std::to_string(table_);
    // Debian does not mount bpffs by default; systemd-based distributions do.
    bool belowDefault = root == kBpffsMount || root.rfind(std::string(kBpffsMount) + "/", 0) == 0;
    if (belowDefault && !onBpffs(kBpffsMount)) {
        // Two processes mounting at once would stack two bpffs instances, and pins made in
        // the lower one would vanish from view. The lock is on the directory underneath:
        // whoever waited for it sees the finished mount when it checks again.
        int dirFd = open(kBpffsMount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirFd < 0) {
            fail(std::string("opening ") + kBpffsMount, errno);
        }
        FdCloser closer{dirFd};
        flock(dirFd, LOCK_EX);
        if (!onBpffs(kBpffsMount) && mount("bpf", kBpffsMount, "bpf", 0, "mode=0700") != 0) {
            fail(std::string("mounting bpffs at ") + kBpffsMount, errno);
        }
    }
    makeDirectories(pinDir_);
    if (!onBpffs(pinDir_)) {
        throw std::runtime_error("BPF pin directory " + pinDir_ + " is not on a bpf filesystem");
    }
}

void BpfForwarder::adoptOrReplacePins(const Options& options) {
    struct Pin {
        const char* name;
        bpf_map* map;
        int fd = -1;
    };
    Pin pins[] = {{"meta", skeleton_->maps.rtpr_meta},
                  {"tables", skeleton_->maps.rtpr_tables},
                  {"stats", skeleton_->maps.rtpr_stats},
                  {"verdicts", skeleton_->maps.rtpr_verdicts},
                  {"classic", skeleton_->maps.rtpr_classic}};
    // The statistics array has the capacity's size; the other maps have fixed sizes (the
    // forwarding table, in `tables`, has its own, see adoptTable).
    auto sized = [this](const bpf_map* map) { return map == skeleton_->maps.rtpr_stats; };
    // Recreated on a resize: the old program keeps both until its links move to the new one.
    auto recreated = [this](const bpf_map* map) {
        return map == skeleton_->maps.rtpr_stats || map == skeleton_->maps.rtpr_tables;
    };
    bool anyPinned = false;
    bool compatible = true;
    uint32_t pinnedCapacity = 0;
    for (Pin& pin : pins) {
        std::string path = pinPath(pin.name);
        pin.fd = bpf_obj_get(path.c_str());
        if (pin.fd < 0) {
            if (errno != ENOENT) {
                fail("opening pinned map " + path, errno);
            }
            compatible = false;
            continue;
        }
        anyPinned = true;
        bpf_map_info info{};
        uint32_t length = sizeof(info);
        if (bpf_obj_get_info_by_fd(pin.fd, &info, &length) != 0) {
            fail("inspecting pinned map " + path, errno);
        }
        bool sameShape = info.type == bpf_map__type(pin.map) &&
                         info.key_size == bpf_map__key_size(pin.map) &&
                         info.value_size == bpf_map__value_size(pin.map) &&
                         info.map_flags == bpf_map__map_flags(pin.map) &&
                         std::strncmp(info.name, bpf_map__name(pin.map), sizeof(info.name)) == 0;
        if (sized(pin.map)) {
            if (pinnedCapacity == 0) {
                pinnedCapacity = info.max_entries;
            }
            sameShape = sameShape && info.max_entries == pinnedCapacity;
        } else {
            sameShape = sameShape && info.max_entries == bpf_map__max_entries(pin.map);
        }
        compatible = compatible && sameShape;
    }
    if (compatible) {
        uint32_t zero = 0;
        rtprelay_meta meta{};
        compatible = bpf_map_lookup_elem(pins[0].fd, &zero, &meta) == 0 &&
                     meta.magic == RTPRELAY_MAGIC && meta.layout_version == RTPRELAY_LAYOUT_VERSION;
    }

    if (anyPinned && compatible) {
        // Another kernel-table-size: a new statistics array of the asked size and a new
        // forwarding table, filled from the pinned ones after loading (migrateResized), the
        // rest re-adopted as is.
        const bool resize = pinnedCapacity != options.capacity;
        for (Pin& pin : pins) {
            if (resize && recreated(pin.map)) {
                continue;
            }
            if (int err = bpf_map__reuse_fd(pin.map, pin.fd); err != 0) {
                fail(std::string("re-adopting pinned map ") + pin.name, err);
            }
        }
        if (resize) {
            previousCapacity_ = pinnedCapacity;
            oldTablesFd_.fd = pins[1].fd;
            oldStatsFd_.fd = pins[2].fd;
            pins[1].fd = -1;
            pins[2].fd = -1;
            origin_ = Origin::resized;
        } else {
            origin_ = Origin::adopted;
        }
    } else if (anyPinned) {
        // Another layout (an older or newer rtprelay) or a half-written directory. A
        // program still attached through old links keeps its maps until attach() moves the
        // links to this program. `forward` was the table itself up to layout version 4.
        for (const char* name : {"meta", "tables", "forward", "stats", "verdicts", "classic"}) {
            std::string path = pinPath(name);
            if (unlink(path.c_str()) != 0 && errno != ENOENT) {
                fail("removing incompatible pinned map " + path, errno);
            }
        }
        origin_ = Origin::replaced;
    }
    if (origin_ != Origin::adopted &&
        bpf_map__set_max_entries(skeleton_->maps.rtpr_stats, options.capacity) != 0) {
        fail("sizing the statistics array", errno);
    }
    for (const Pin& pin : pins) {
        if (pin.fd >= 0) {
            close(pin.fd);  // bpf_map__reuse_fd keeps a duplicate
        }
    }
}

void BpfForwarder::migrateResized() {
    FdCloser oldTables{std::exchange(oldTablesFd_.fd, -1)};
    FdCloser oldStats{std::exchange(oldStatsFd_.fd, -1)};
    uint32_t zero = 0;
    uint32_t oldId = 0;
    FdCloser oldForward{-1};
    if (bpf_map_lookup_elem(oldTables.fd, &zero, &oldId) == 0) {
        oldForward.fd = bpf_map_get_fd_by_id(oldId);
    }
    std::vector<TableEntry> entries;
    if (oldForward.fd >= 0) {
        entries = readEntries(oldForward.fd);
    }
    tableSize_ = sizeFor(entries.size());
    forwardFd_ = createTable(tableSize_);
    if (forwardFd_ < 0) {
        fail("creating the resized forwarding table", forwardFd_);
    }
    // Slots below both sizes keep their number and counters; entries whose slot is beyond
    // the new size get a fresh one in rebuildSlots().
    const uint32_t keptSlots = std::min(previousCapacity_, capacity_);
    for (const auto& [entryKey, value] : entries) {
        if (bpf_map_update_elem(forwardFd_, &entryKey, &value, BPF_NOEXIST) != 0) {
            if (errno != E2BIG) {
                fail("copying kernel entry " + entryName(entryKey) + " to the resized table",
                     errno);
            }
            ++droppedEntries_;  // a smaller table: these streams go back to userspace
            continue;
        }
        ++migratedEntries_;
        rtprelay_stats counters{};
        if (value.stats_slot < keptSlots &&
            bpf_map_lookup_elem(oldStats.fd, &value.stats_slot, &counters) == 0) {
            stats_[value.stats_slot] = counters;  // the new program is not attached yet
        }
    }
    if (int err = installTable(tablesFd_, forwardFd_); err != 0) {
        fail("installing the resized forwarding table", err);
    }
    // The new maps replace the old pins in one step each (rename over the old name), so
    // that a crash in between leaves a directory that is either re-adopted or resized again.
    for (const auto& [name, fd] : {std::pair<const char*, int>{"tables", tablesFd_},
                                   std::pair<const char*, int>{"stats", statsFd_}}) {
        if (int err = pinReplacing(fd, name); err != 0) {
            fail("replacing " + pinPath(name) + " with the resized map", err);
        }
    }
}

void BpfForwarder::pinNewMaps() {
    uint32_t zero = 0;
    rtprelay_meta meta{RTPRELAY_MAGIC, RTPRELAY_LAYOUT_VERSION};
    if (bpf_map_update_elem(bpf_map__fd(skeleton_->maps.rtpr_meta), &zero, &meta, BPF_ANY) != 0) {
        fail("writing the layout stamp", errno);
    }
    startEmptyTable();
    // The stamp last: a directory without it is never re-adopted, so a crash half way
    // leaves nothing that could be mistaken for a complete table.
    std::pair<const char*, bpf_map*> order[] = {{"tables", skeleton_->maps.rtpr_tables},
                                                {"stats", skeleton_->maps.rtpr_stats},
                                                {"verdicts", skeleton_->maps.rtpr_verdicts},
                                                {"classic", skeleton_->maps.rtpr_classic},
                                                {"meta", skeleton_->maps.rtpr_meta}};
    for (const auto& [name, map] : order) {
        std::string path = pinPath(name);
        if (bpf_obj_pin(bpf_map__fd(map), path.c_str()) != 0) {
            fail("pinning map at " + path, errno);
        }
    }
}

void BpfForwarder::removeDefunctLinks() {
    for (const Attachment& a : attachments()) {
        if (a.mode == AttachMode::tcx && a.defunct) {
            unlink(linkPin(a.ifindex).c_str());
        }
    }
}

void BpfForwarder::rebuildSlots() {
    slots_ = StatsSlots(capacity_);
    std::vector<TableEntry> orphans;
    for (const auto& [key, value] : readEntries(forwardFd_)) {
        if (!slots_.claim(value.stats_slot)) {
            orphans.emplace_back(key, value);
        }
    }
    // Entries sharing a slot or pointing outside the array (a foreign writer): give them
    // their own so that their counters mean something.
    for (auto& [orphanKey, value] : orphans) {
        auto slot = slots_.acquire();
        if (!slot) {
            bpf_map_delete_elem(forwardFd_, &orphanKey);
            continue;
        }
        zeroStats(*slot);
        value.stats_slot = *slot;
        bpf_map_update_elem(forwardFd_, &orphanKey, &value, BPF_EXIST);
    }
}

void BpfForwarder::retire(uint32_t slot) {
    if (slot >= capacity_) {
        return;
    }
    addCounted(retired_, stats_[slot]);
}

ForwardingStats BpfForwarder::totals() const {
    std::lock_guard lock(mutex_);
    ForwardingStats sum = retired_;
    for (uint32_t slot = 0; slot < slots_.limit(); ++slot) {
        if (slots_.taken(slot)) {
            addCounted(sum, stats_[slot]);
        }
    }
    return sum;
}

void BpfForwarder::zeroStats(uint32_t slot) {
    rtprelay_stats& counters = stats_[slot];
    storeCounter(counters.packets, 0);
    storeCounter(counters.bytes, 0);
    storeCounter(counters.errors, 0);
    storeCounter(counters.last_packet_ns, 0);
}

AttachMode BpfForwarder::attach(int ifindex, AttachMode mode) {
    if (ifindex <= 0) {
        throw std::runtime_error("attaching kernel table " + std::to_string(table_) +
                                 ": invalid ifindex " + std::to_string(ifindex));
    }
    LibbpfLog::clear();
    const std::string where = "ifindex " + std::to_string(ifindex);
    // An attachment of this table left by a previous daemon: swap the program under it
    // atomically, so that forwarding never stops.
    std::string pin = linkPin(ifindex);
    if (int linkFd = bpf_obj_get(pin.c_str()); linkFd >= 0) {
        int rc = bpf_link_update(linkFd, programFd(), nullptr);
        close(linkFd);
        if (rc == 0) {
            return AttachMode::tcx;
        }
        // Its device went away and this ifindex is a new one: attach afresh.
        unlink(pin.c_str());
    }
    uint32_t key = static_cast<uint32_t>(ifindex);
    uint32_t present = 0;
    if (bpf_map_lookup_elem(classicFd_, &key, &present) == 0) {
        attachClassic(ifindex);
        return AttachMode::classic;
    }
    if (mode != AttachMode::classic) {
        int linkFd = bpf_link_create(programFd(), ifindex, kTcxIngress, nullptr);
        if (linkFd >= 0) {
            FdCloser closer{linkFd};
            // Pinned, the link outlives the daemon (an unpinned tcx link detaches when its
            // last descriptor closes, i.e. when the process dies).
            if (bpf_obj_pin(linkFd, pin.c_str()) != 0) {
                fail("pinning the tcx link of " + where + " at " + pin, errno);
            }
            return AttachMode::tcx;
        }
        int err = errno;
        if (mode == AttachMode::tcx || err != EINVAL) {
            fail("attaching to tcx ingress of " + where, err);
        }
    }
    attachClassic(ifindex);
    return AttachMode::classic;
}

void BpfForwarder::attachClassic(int ifindex) {
    const std::string where = "ifindex " + std::to_string(ifindex);
    bpf_tc_hook hook{};
    hook.sz = sizeof(hook);
    hook.ifindex = ifindex;
    hook.attach_point = BPF_TC_INGRESS;
    if (int rc = bpf_tc_hook_create(&hook); rc != 0 && rc != -EEXIST) {
        fail("creating the clsact qdisc of " + where, rc);
    }
    bpf_tc_opts opts{};
    opts.sz = sizeof(opts);
    opts.handle = kClassicHandleBase + static_cast<uint32_t>(table_);
    opts.priority = kClassicPriority;
    opts.prog_fd = programFd();
    opts.flags = BPF_TC_F_REPLACE;
    if (int rc = bpf_tc_attach(&hook, &opts); rc != 0) {
        fail("attaching a tc ingress filter to " + where, rc);
    }
    uint32_t key = static_cast<uint32_t>(ifindex);
    uint32_t one = 1;
    if (bpf_map_update_elem(classicFd_, &key, &one, BPF_ANY) != 0) {
        int err = errno;
        detachClassic(ifindex);
        fail("recording the tc filter of " + where, err);
    }
}

void BpfForwarder::detachClassic(int ifindex) {
    bpf_tc_hook hook{};
    hook.sz = sizeof(hook);
    hook.ifindex = ifindex;
    hook.attach_point = BPF_TC_INGRESS;
    bpf_tc_opts opts{};
    opts.sz = sizeof(opts);
    opts.handle = kClassicHandleBase + static_cast<uint32_t>(table_);
    opts.priority = kClassicPriority;
    int rc = bpf_tc_detach(&hook, &opts);
    // Already gone with its device or its qdisc: the goal is reached.
    if (rc != 0 && rc != -ENOENT && rc != -ENODEV && rc != -EINVAL) {
        fail("detaching the tc ingress filter of ifindex " + std::to_string(ifindex), rc);
    }
    uint32_t key = static_cast<uint32_t>(ifindex);
    bpf_map_delete_elem(classicFd_, &key);
}

void BpfForwarder::detach(int ifindex) {
    LibbpfLog::clear();
    std::string pin = linkPin(ifindex);
    if (int linkFd = bpf_obj_get(pin.c_str()); linkFd >= 0) {
        // Explicitly: another process may hold the link open, and unpinning alone would
        // leave the program attached until it closes.
        int rc = bpf_link_detach(linkFd);
        int err = errno;
        close(linkFd);
        if (rc != 0 && err != ENOLINK && err != EINVAL) {
            fail("detaching the tcx link of ifindex " + std::to_string(ifindex), err);
        }
        if (unlink(pin.c_str()) != 0 && errno != ENOENT) {
            fail("removing " + pin, errno);
        }
    }
    uint32_t key = static_cast<uint32_t>(ifindex);
    uint32_t present = 0;
    if (bpf_map_lookup_elem(classicFd_, &key, &present) == 0) {
        detachClassic(ifindex);
    }
}

std::vector<Attachment> BpfForwarder::attachments() const {
    std::vector<Attachment> result;
    if (DIR* dir = opendir(pinDir_.c_str())) {
        while (dirent* entry = readdir(dir)) {
            std::string_view name = entry->d_name;
            if (name.rfind("link_", 0) != 0) {
                continue;
            }
            int ifindex = 0;
            auto [end, ec] = std::from_chars(name.data() + 5, name.data() + name.size(), ifindex);
            if (ec != std::errc{} || end != name.data() + name.size()) {
                continue;
            }
            Attachment a{ifindex, AttachMode::tcx, true};
            if (int fd = bpf_obj_get(pinPath(std::string(name)).c_str()); fd >= 0) {
                bpf_link_info info{};
                uint32_t length = sizeof(info);
                // tcx link info is {ifindex, attach_type} at the start of the union, where
                // older headers have xdp.ifindex; 0 once the device is gone.
                if (bpf_obj_get_info_by_fd(fd, &info, &length) == 0) {
                    a.defunct = info.xdp.ifindex == 0;
                }
                close(fd);
            }
            result.push_back(a);
        }
        closedir(dir);
    }
    uint32_t key = 0;
    uint32_t next = 0;
    const uint32_t* previous = nullptr;
    while (bpf_map_get_next_key(classicFd_, previous, &next) == 0) {
        key = next;
        previous = &key;
        bpf_tc_hook hook{};
        hook.sz = sizeof(hook);
        hook.ifindex = static_cast<int>(key);
        hook.attach_point = BPF_TC_INGRESS;
        bpf_tc_opts opts{};
        opts.sz = sizeof(opts);
        opts.handle = kClassicHandleBase + static_cast<uint32_t>(table_);
        opts.priority = kClassicPriority;
        bool present = bpf_tc_query(&hook, &opts) == 0;
        result.push_back({static_cast<int>(key), AttachMode::classic, !present});
    }
    return result;
}

void BpfForwarder::destroy() {
    for (const Attachment& a : attachments()) {
        detach(a.ifindex);
    }
    // *_resized: left by a daemon that died while resizing.
    for (const char* name : {"meta", "tables", "forward", "stats", "verdicts", "classic",
                             "tables_resized", "forward_resized", "stats_resized"}) {
        std::string path = pinPath(name);
        if (unlink(path.c_str()) != 0 && errno != ENOENT) {
            fail("removing " + path, errno);
        }
    }
    if (rmdir(pinDir_.c_str()) != 0 && errno != ENOENT) {
        fail("removing " + pinDir_, errno);
    }
}

bool BpfForwarder::hasRoom() const {
    std::lock_guard lock(mutex_);
    return slots_.inUse() < slots_.capacity();
}

Result<uint32_t> BpfForwarder::upsert(const ForwardingRule& rule, bool* full) {
    if (full) {
        *full = false;
    }
    if (auto why = rule.invalidReason()) {
        return Result<uint32_t>::failure("kernel entry " + rule.local.toString() + ": " + *why);
    }
    rtprelay_addr key = rule.key();
    std::lock_guard lock(mutex_);
    rtprelay_fwd_value existing{};
    bool replacing =
        bpf_map_lookup_elem(forwardFd_, &key, &existing) == 0 && existing.stats_slot < capacity_;
    uint32_t slot = existing.stats_slot;
    if (!replacing) {
        auto fresh = slots_.acquire();
        if (!fresh) {
            fullRefusals_.fetch_add(1, std::memory_order_relaxed);
            if (full) {
                *full = true;
            }
            return Result<uint32_t>::failure("kernel entry " + rule.local.toString() + ": all " +
                                             std::to_string(capacity_) +
                                             " statistics slots in use");
        }
        slot = *fresh;
        zeroStats(slot);
        if (slots_.inUse() > tableSize_ && tableSize_ < capacity_) {
            if (auto why = grow(sizeFor(slots_.inUse())); !why.empty()) {
                slots_.release(slot);
                return Result<uint32_t>::failure("kernel entry " + rule.local.toString() +
                                                 ": growing the table: " + why);
            }
        }
    }
    rtprelay_fwd_value value = rule.value();
    value.stats_slot = slot;
    int updated = bpf_map_update_elem(forwardFd_, &key, &value, BPF_ANY);
    if (updated != 0 && errno == E2BIG && tableSize_ < capacity_ &&
        grow(sizeFor(size_t{tableSize_} + 1)).empty()) {
        // Entries we do not know of (written behind our back) filled it: grown, once more.
        updated = bpf_map_update_elem(forwardFd_, &key, &value, BPF_ANY);
    }
    if (updated != 0) {
        int err = errno;
        if (!replacing) {
            slots_.release(slot);
        }
        if (err == E2BIG) {
            fullRefusals_.fetch_add(1, std::memory_order_relaxed);
            if (full) {
                *full = true;
            }
        }
        std::string why = err == E2BIG ? "table full (" + std::to_string(tableSize_) + " entries)"
                                       : errnoText(err);
        return Result<uint32_t>::failure("kernel entry " + rule.local.toString() + ": " + why);
    }
    return slot;
}

Result<bool> BpfForwarder::setPeerRedirect(const net::Endpoint& local,
                                           const RedirectChange& change) {
    rtprelay_addr key = ForwardingRule::toKernelAddress(local);
    std::lock_guard lock(mutex_);
    rtprelay_fwd_value value{};
    if (bpf_map_lookup_elem(forwardFd_, &key, &value) != 0) {
        int err = errno;  // before the message allocates
        return absentOrFailure(err, "kernel entry " + local.toString(), false);
    }
    // Rewritten by a newer install meanwhile: that one decided its own mode.
    auto current = ForwardingRule::fromKernel(key, value);
    if (current.outIfindex != change.ifindex || !(current.outDestination == change.destination) ||
        current.peer != change.from) {
        return false;
    }
    current.peer = change.to;
    rtprelay_fwd_value updated = current.value();
    updated.stats_slot = value.stats_slot;
    // BPF_EXIST: an entry erased meanwhile stays erased.
    if (bpf_map_update_elem(forwardFd_, &key, &updated, BPF_EXIST) != 0) {
        int err = errno;  // before the message allocates
        return absentOrFailure(err, "kernel entry " + local.toString(), false);
    }
    return true;
}

Result<bool> BpfForwarder::erase(const net::Endpoint& local) {
    rtprelay_addr key = ForwardingRule::toKernelAddress(local);
    std::lock_guard lock(mutex_);
    rtprelay_fwd_value value{};
    if (bpf_map_lookup_elem(forwardFd_, &key, &value) != 0) {
        int err = errno;  // before the message allocates
        return absentOrFailure(err, "kernel entry " + local.toString(), false);
    }
    if (bpf_map_delete_elem(forwardFd_, &key) != 0) {
        int err = errno;  // before the message allocates
        return absentOrFailure(err, "removing kernel entry " + local.toString(), false);
    }
    retire(value.stats_slot);
    slots_.release(value.stats_slot);
    return true;
}

Result<std::optional<ForwardingRule>> BpfForwarder::find(const net::Endpoint& local) const {
    using R = Result<std::optional<ForwardingRule>>;
    rtprelay_addr key = ForwardingRule::toKernelAddress(local);
    std::lock_guard lock(mutex_);
    rtprelay_fwd_value value{};
    if (bpf_map_lookup_elem(forwardFd_, &key, &value) != 0) {
        int err = errno;  // before the message allocates
        return absentOrFailure<std::optional<ForwardingRule>>(
            err, "kernel entry " + local.toString(), std::nullopt);
    }
    return R(ForwardingRule::fromKernel(key, value));
}

Result<std::vector<ForwardingRule>> BpfForwarder::entries() const {
    std::vector<ForwardingRule> rules;
    std::lock_guard lock(mutex_);
    rtprelay_addr key{};
    rtprelay_addr next{};
    const rtprelay_addr* previous = nullptr;
    while (bpf_map_get_next_key(forwardFd_, previous, &next) == 0) {
        key = next;
        previous = &key;
        rtprelay_fwd_value value{};
        if (bpf_map_lookup_elem(forwardFd_, &key, &value) == 0) {
            rules.push_back(ForwardingRule::fromKernel(key, value));
        } else if (errno != ENOENT) {  // ENOENT: removed meanwhile
            return Result<std::vector<ForwardingRule>>::failure(
                "reading kernel entry " + entryName(key) + ": " + errnoText(errno));
        }
    }
    if (errno != ENOENT) {
        return Result<std::vector<ForwardingRule>>::failure("listing kernel entries: " +
                                                            errnoText(errno));
    }
    return rules;
}

Result<size_t> BpfForwarder::clear() {
    std::lock_guard lock(mutex_);
    size_t removed = 0;
    for (const auto& [entry, value] : readEntries(forwardFd_)) {
        if (bpf_map_delete_elem(forwardFd_, &entry) == 0) {
            retire(value.stats_slot);
            slots_.release(value.stats_slot);
            ++removed;
        } else if (errno != ENOENT) {
            return Result<size_t>::failure("removing kernel entry " + entryName(entry) + ": " +
                                           errnoText(errno));
        }
    }
    return removed;
}

Result<ForwardingStats> BpfForwarder::readStats(uint32_t slot) const {
    if (slot >= capacity_) {
        return Result<ForwardingStats>::failure("statistics slot " + std::to_string(slot) +
                                                " outside 0.." + std::to_string(capacity_ - 1));
    }
    const rtprelay_stats& counters = stats_[slot];
    ForwardingStats total;
    addCounted(total, counters);
    total.lastPacketMonotonicNs = loadCounter(counters.last_packet_ns);
    if (total.lastPacketMonotonicNs != 0) {
        // The program stamps CLOCK_MONOTONIC as of the last tick (the coarse clock); the
        // distance to CLOCK_REALTIME now turns it into wall clock. Both clocks are read back
        // to back, so the error is the stamp's tick (<= 10 ms) plus any clock step since.
        int64_t offset = clockNs(CLOCK_REALTIME) - clockNs(CLOCK_MONOTONIC);
        total.lastPacketUs = (static_cast<int64_t>(total.lastPacketMonotonicNs) + offset) / 1000;
    }
    return total;
}

Result<VerdictCounts> BpfForwarder::readVerdicts() const {
    VerdictCounts counts;
    std::vector<uint64_t> perCpu(cpus_);
    for (uint32_t verdict = 0; verdict < RTPRELAY_VERDICT_COUNT; ++verdict) {
        if (bpf_map_lookup_elem(verdictsFd_, &verdict, perCpu.data()) != 0) {
            return Result<VerdictCounts>::failure("reading verdict counters: " + errnoText(errno));
        }
        for (uint64_t n : perCpu) {
            counts.counts[verdict] += n;
        }
    }
    return counts;
}

}  // namespace rtprelay::kernel
