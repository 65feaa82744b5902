// The loader against the real kernel: pinning, re-adoption across a restart, layout
// changes, capacity, attach modes and what outlives the daemon. Needs root.
#include "kernel/BpfForwarder.h"

#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <set>

#include "unit/kernel/KernelTestSupport.h"
#include "unit/kernel/PacketBuilder.h"

namespace rtprelay::kernel {
namespace {

using test::NetworkNamespace;
using test::PacketBuilder;

net::Endpoint ep(const std::string& address, uint16_t port) {
    return {*net::IpAddress::parse(address), port};
}

ForwardingRule rule(uint16_t localPort) {
    ForwardingRule r;
    r.local = ep("10.0.0.1", localPort);
    r.outSource = ep("10.1.0.1", 40000);
    r.outDestination = ep("10.1.0.2", 50000);
    r.outIfindex = 1;
    r.payloadTypes.set(0);
    return r;
}

bool exists(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0;
}

uint32_t programId(int fd) {
    bpf_prog_info info{};
    uint32_t length = sizeof(info);
    return bpf_obj_get_info_by_fd(fd, &info, &length) == 0 ? info.id : 0;
}

// The program a pinned tcx link runs, 0 if none.
uint32_t linkedProgramId(const std::string& pin) {
    int fd = bpf_obj_get(pin.c_str());
    if (fd < 0) {
        return 0;
    }
    bpf_link_info info{};
    uint32_t length = sizeof(info);
    uint32_t id = bpf_obj_get_info_by_fd(fd, &info, &length) == 0 ? info.prog_id : 0;
    close(fd);
    return id;
}

// The device a pinned tcx link is attached to; 0 once the device is gone, -1 without link.
int linkedDevice(const std::string& pin) {
    int fd = bpf_obj_get(pin.c_str());
    if (fd < 0) {
        return -1;
    }
    bpf_link_info info{};
    uint32_t length = sizeof(info);
    int ifindex = bpf_obj_get_info_by_fd(fd, &info, &length) == 0 ? int(info.xdp.ifindex) : -1;
    close(fd);
    return ifindex;
}

class BpfForwarderTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(geteuid(), 0u) << "loading BPF programs needs root"; }

    std::unique_ptr<BpfForwarder> open(int table, uint32_t capacity = 64,
                                       uint32_t initialTableSize = RTPRELAY_INITIAL_TABLE_SIZE) {
        BpfForwarder::Options options;
        options.pinRoot = pinRoot_.path();
        options.capacity = capacity;
        options.initialTableSize = initialTableSize;
        return std::make_unique<BpfForwarder>(table, options);
    }

    test::PinRoot pinRoot_;
};

TEST_F(BpfForwarderTest, PinsTheMapsUnderRootSlashTable) {
    auto forwarder = open(7);
    EXPECT_EQ(forwarder->origin(), BpfForwarder::Origin::created);
    EXPECT_EQ(forwarder->pinDirectory(), pinRoot_.path() + "/7");
    for (const char* name : {"meta", "tables", "forward", "stats", "verdicts", "classic"}) {
        EXPECT_TRUE(exists(forwarder->pinDirectory() + "/" + name)) << name;
    }
    forwarder->destroy();
    EXPECT_FALSE(exists(pinRoot_.path() + "/7"));
}

TEST_F(BpfForwarderTest, ReadoptsEntriesAndCountersAfterTheObjectIsGone) {
    auto first = open(3);
    ForwardingRule r = rule(30000);
    auto slot = first->upsert(r);
    ASSERT_TRUE(slot) << slot.error();
    auto frame = PacketBuilder().from("10.0.0.2", 4000).to("10.0.0.1", 30000).rtp(0, 100).build();
    EXPECT_EQ(test::testRun(first->programFd(), frame).verdict, test::kRedirect);
    first.reset();  // a daemon restart, without destroy()

    auto second = open(3);
    EXPECT_EQ(second->origin(), BpfForwarder::Origin::adopted);
    auto entries = second->entries();
    ASSERT_TRUE(entries) << entries.error();
    ASSERT_EQ(entries->size(), 1u);
    r.statsSlot = *slot;
    EXPECT_EQ(entries->front(), r);
    auto stats = second->readStats(*slot);
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->packets, 1u);
    // The re-adopted entry's slot is taken: a new entry gets another one.
    auto other = second->upsert(rule(30002));
    ASSERT_TRUE(other);
    EXPECT_NE(*other, *slot);
    // And the new program forwards by the old entry.
    EXPECT_EQ(test::testRun(second->programFd(), frame).verdict, test::kRedirect);
    EXPECT_EQ(second->readStats(*slot)->packets, 2u);
    second->destroy();
}

// The daemon reads counters from the statistics array mapped into its memory, not through a
// system call per stream; any process mapping the pinned array sees what the program counted.
TEST_F(BpfForwarderTest, CountersLiveInTheMappableStatisticsArray) {
    auto forwarder = open(4);
    auto slot = forwarder->upsert(rule(30000));
    ASSERT_TRUE(slot) << slot.error();
    auto frame = PacketBuilder().from("10.0.0.2", 4000).to("10.0.0.1", 30000).rtp(0, 100).build();
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(test::testRun(forwarder->programFd(), frame).verdict, test::kRedirect);
    }
    auto stats = forwarder->readStats(*slot);
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->packets, 3u);
    EXPECT_EQ(stats->bytes, 3u * 100);  // the UDP payload: RTP header included
    EXPECT_NE(stats->lastPacketMonotonicNs, 0u);

    int fd = bpf_obj_get((forwarder->pinDirectory() + "/stats").c_str());
    ASSERT_GE(fd, 0);
    bpf_map_info info{};
    uint32_t length = sizeof(info);
    ASSERT_EQ(bpf_obj_get_info_by_fd(fd, &info, &length), 0);
    EXPECT_EQ(info.type, BPF_MAP_TYPE_ARRAY);
    EXPECT_NE(info.map_flags & BPF_F_MMAPABLE, 0u);
    size_t bytes = (size_t{info.max_entries} * sizeof(rtprelay_stats) + 4095) / 4096 * 4096;
    void* mapped = mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    ASSERT_NE(mapped, MAP_FAILED);
    const auto* counters = static_cast<const rtprelay_stats*>(mapped);
    EXPECT_EQ(counters[*slot].packets, 3u);
    EXPECT_EQ(counters[*slot].last_packet_ns, stats->lastPacketMonotonicNs);
    munmap(mapped, bytes);

    // A slot handed out again starts from zero.
    ASSERT_TRUE(forwarder->erase(rule(30000).local));
    for (uint32_t i = 0; i < 64; ++i) {
        auto next = forwarder->upsert(rule(static_cast<uint16_t>(31000 + 2 * i)));
        ASSERT_TRUE(next) << next.error();
        if (*next == *slot) {
            EXPECT_EQ(forwarder->readStats(*next)->packets, 0u);
            break;
        }
    }
    forwarder->destroy();
}

TEST_F(BpfForwarderTest, TotalsKeepWhatErasedEntriesCounted) {
    auto forwarder = open(8);
    ASSERT_TRUE(forwarder->upsert(rule(30000)));
    ASSERT_TRUE(forwarder->upsert(rule(30002)));
    auto to = [](uint16_t port) {
        return PacketBuilder().from("10.0.0.2", 4000).to("10.0.0.1", port).rtp(0, 100).build();
    };
    ASSERT_EQ(test::testRun(forwarder->programFd(), to(30000)).verdict, test::kRedirect);
    ASSERT_EQ(test::testRun(forwarder->programFd(), to(30002)).verdict, test::kRedirect);
    ASSERT_EQ(test::testRun(forwarder->programFd(), to(30002)).verdict, test::kRedirect);
    EXPECT_EQ(forwarder->totals().packets, 3u);
    ASSERT_TRUE(forwarder->erase(rule(30002).local));
    EXPECT_EQ(forwarder->totals().packets, 3u);
    EXPECT_EQ(forwarder->totals().bytes, 300u);
    ASSERT_TRUE(forwarder->clear());
    EXPECT_EQ(forwarder->totals().packets, 3u);
    // A slot handed out again counts from zero on top of what was retired.
    ASSERT_TRUE(forwarder->upsert(rule(30004)));
    ASSERT_EQ(test::testRun(forwarder->programFd(), to(30004)).verdict, test::kRedirect);
    EXPECT_EQ(forwarder->totals().packets, 4u);
    forwarder->destroy();
}

// An upgrade from layout 2, whose forwarding value had no MACs (96 bytes): the pinned table
// is no longer the program's shape, so it is replaced rather than misread.
TEST_F(BpfForwarderTest, ReplacesLayoutTwoMapsWithTheShorterValue) {
    auto first = open(5);
    ASSERT_TRUE(first->upsert(rule(30000)));
    const std::string forward = first->pinDirectory() + "/forward";
    const std::string metaPin = first->pinDirectory() + "/meta";
    first.reset();
    ASSERT_EQ(unlink(forward.c_str()), 0);
    int old =
        bpf_map_create(BPF_MAP_TYPE_HASH, "rtpr_forward", sizeof(rtprelay_addr), 96, 64, nullptr);
    ASSERT_GE(old, 0);
    ASSERT_EQ(bpf_obj_pin(old, forward.c_str()), 0);
    close(old);
    int meta = bpf_obj_get(metaPin.c_str());
    ASSERT_GE(meta, 0);
    uint32_t zero = 0;
    rtprelay_meta two{RTPRELAY_MAGIC, 2};
    ASSERT_EQ(bpf_map_update_elem(meta, &zero, &two, BPF_ANY), 0);
    close(meta);

    auto second = open(5);
    EXPECT_EQ(second->origin(), BpfForwarder::Origin::replaced);
    EXPECT_TRUE(second->entries()->empty());
    ForwardingRule peer = rule(30000);
    peer.peer = PeerRedirect{{2, 0, 0, 0, 0, 2}, {2, 0, 0, 0, 0, 1}};
    ASSERT_TRUE(second->upsert(peer));
    EXPECT_EQ((*second->find(peer.local))->peer, peer.peer);
    second->destroy();
}

TEST_F(BpfForwarderTest, SetPeerRedirectChangesOnlyTheEntryAsTheCallerSawIt) {
    auto forwarder = open(6);
    ForwardingRule r = rule(30000);
    auto slot = forwarder->upsert(r);
    ASSERT_TRUE(slot);
    auto frame = PacketBuilder().from("10.0.0.2", 4000).to("10.0.0.1", 30000).rtp(0, 100).build();
    EXPECT_EQ(test::testRun(forwarder->programFd(), frame).verdict, test::kRedirect);
    const PeerRedirect macs{{2, 0, 0, 0, 0, 2}, {2, 0, 0, 0, 0, 1}};

    using Change = BpfForwarder::RedirectChange;
    EXPECT_TRUE(*forwarder->setPeerRedirect(r.local, Change{1, r.outDestination, {}, macs}));
    auto found = forwarder->find(r.local);
    ASSERT_TRUE(found && *found);
    EXPECT_EQ((*found)->peer, macs);
    EXPECT_EQ((*found)->statsSlot, *slot);
    EXPECT_EQ(forwarder->readStats(*slot)->packets, 1u);  // counters kept
    auto out = test::testRun(forwarder->programFd(), frame);
    EXPECT_TRUE(std::equal(macs.destination.begin(), macs.destination.end(), out.frame.begin()));

    // Not the mode, device or destination the caller believes: left alone.
    EXPECT_FALSE(*forwarder->setPeerRedirect(r.local, Change{1, r.outDestination, {}, {}}));
    EXPECT_FALSE(*forwarder->setPeerRedirect(r.local, Change{2, r.outDestination, macs, {}}));
    EXPECT_FALSE(*forwarder->setPeerRedirect(r.local, Change{1, ep("10.1.0.3", 1), macs, {}}));
    EXPECT_EQ((*forwarder->find(r.local))->peer, macs);
    // Back to neigh mode; an entry erased meanwhile is not brought back.
    EXPECT_TRUE(*forwarder->setPeerRedirect(r.local, Change{1, r.outDestination, macs, {}}));
    EXPECT_FALSE((*forwarder->find(r.local))->peer);
    ASSERT_TRUE(*forwarder->erase(r.local));
    EXPECT_FALSE(*forwarder->setPeerRedirect(r.local, Change{1, r.outDestination, {}, macs}));
    EXPECT_FALSE(*forwarder->find(r.local));
    forwarder->destroy();
}

TEST_F(BpfForwarderTest, ReplacesPinnedMapsOfAnotherLayoutVersion) {
    auto first = open(0);
    ASSERT_TRUE(first->upsert(rule(30000)));
    int meta = bpf_obj_get((first->pinDirectory() + "/meta").c_str());
    ASSERT_GE(meta, 0);
    uint32_t zero = 0;
    rtprelay_meta older{RTPRELAY_MAGIC, RTPRELAY_LAYOUT_VERSION + 1};
    ASSERT_EQ(bpf_map_update_elem(meta, &zero, &older, BPF_ANY), 0);
    close(meta);
    first.reset();

    auto second = open(0);
    EXPECT_EQ(second->origin(), BpfForwarder::Origin::replaced);
    EXPECT_TRUE(second->entries()->empty());
    second->destroy();
}

uint32_t pinnedMaxEntries(const std::string& pin) {
    int fd = bpf_obj_get(pin.c_str());
    if (fd < 0) {
        return 0;
    }
    bpf_map_info info{};
    uint32_t length = sizeof(info);
    uint32_t entries = bpf_obj_get_info_by_fd(fd, &info, &length) == 0 ? info.max_entries : 0;
    close(fd);
    return entries;
}

TEST_F(BpfForwarderTest, AnotherSizeResizesTheMapsAndCarriesEntriesAndCounters) {
    auto first = open(0, 16);
    std::vector<uint32_t> slots;
    for (uint16_t port : {30000, 30002, 30004}) {
        auto slot = first->upsert(rule(port));
        ASSERT_TRUE(slot) << slot.error();
        slots.push_back(*slot);
    }
    auto frame = PacketBuilder().from("10.0.0.2", 4000).to("10.0.0.1", 30002).rtp(0, 100).build();
    EXPECT_EQ(test::testRun(first->programFd(), frame).verdict, test::kRedirect);
    auto before = first->entries();
    ASSERT_TRUE(before);
    first.reset();  // a restart with kernel-table-size changed from 16 to 1024

    auto bigger = open(0, 1024);
    EXPECT_EQ(bigger->origin(), BpfForwarder::Origin::resized);
    EXPECT_EQ(bigger->capacity(), 1024u);
    EXPECT_EQ(bigger->previousCapacity(), 16u);
    EXPECT_EQ(bigger->migratedEntries(), 3u);
    EXPECT_EQ(bigger->droppedEntries(), 0u);
    EXPECT_EQ(pinnedMaxEntries(bigger->pinDirectory() + "/stats"), 1024u);
    EXPECT_EQ(pinnedMaxEntries(bigger->pinDirectory() + "/forward"), bigger->tableSize());
    for (const char* map : {"tables", "forward", "stats"}) {
        EXPECT_FALSE(exists(bigger->pinDirectory() + "/" + map + "_resized")) << map;
    }
    auto after = bigger->entries();
    ASSERT_TRUE(after);
    auto byPort = [](std::vector<ForwardingRule> rules) {
        std::sort(rules.begin(), rules.end(),
                  [](const auto& a, const auto& b) { return a.local.port() < b.local.port(); });
        return rules;
    };
    EXPECT_EQ(byPort(*after), byPort(*before));
    EXPECT_EQ(bigger->readStats(slots[1])->packets, 1u);
    EXPECT_EQ(test::testRun(bigger->programFd(), frame).verdict, test::kRedirect);
    EXPECT_EQ(bigger->readStats(slots[1])->packets, 2u);
    // The verdict counters were adopted as they were: two redirects over both programs.
    EXPECT_EQ((*bigger->readVerdicts())[RTPRELAY_VERDICT_FORWARDED], 2u);
    bigger.reset();

    // The same size again: plain adoption.
    auto same = open(0, 1024);
    EXPECT_EQ(same->origin(), BpfForwarder::Origin::adopted);
    EXPECT_EQ(same->entries()->size(), 3u);

    // Smaller than the entries: those that fit are kept, the rest go back to userspace.
    same.reset();
    auto smaller = open(0, 2);
    EXPECT_EQ(smaller->origin(), BpfForwarder::Origin::resized);
    EXPECT_EQ(smaller->capacity(), 2u);
    EXPECT_EQ(smaller->migratedEntries(), 2u);
    EXPECT_EQ(smaller->droppedEntries(), 1u);
    auto remaining = smaller->entries();
    ASSERT_TRUE(remaining);
    ASSERT_EQ(remaining->size(), 2u);
    // Every kept entry has a slot of its own inside the new statistics array.
    std::set<uint32_t> kept;
    for (const auto& r : *remaining) {
        EXPECT_LT(r.statsSlot, 2u);
        kept.insert(r.statsSlot);
    }
    EXPECT_EQ(kept.size(), 2u);
    bool full = false;
    EXPECT_FALSE(smaller->upsert(rule(30010), &full));
    EXPECT_TRUE(full);
    // What a daemon dying half way through a resize leaves does not keep destroy() from
    // removing the directory.
    int map = bpf_obj_get((smaller->pinDirectory() + "/forward").c_str());
    ASSERT_GE(map, 0);
    ASSERT_EQ(bpf_obj_pin(map, (smaller->pinDirectory() + "/forward_resized").c_str()), 0);
    close(map);
    smaller->destroy();
    EXPECT_FALSE(exists(smaller->pinDirectory()));
}

TEST_F(BpfForwarderTest, TheTableGrowsWithItsEntriesUpToTheCapacity) {
    auto forwarder = open(4, 64, 4);
    EXPECT_EQ(forwarder->tableSize(), 4u);
    EXPECT_EQ(pinnedMaxEntries(forwarder->pinDirectory() + "/forward"), 4u);
    auto to = [](uint16_t port) {
        return PacketBuilder().from("10.0.0.2", 4000).to("10.0.0.1", port).rtp(0, 100).build();
    };
    std::vector<uint32_t> slots;
    for (uint16_t i = 0; i < 4; ++i) {
        auto slot = forwarder->upsert(rule(30000 + 2 * i));
        ASSERT_TRUE(slot) << slot.error();
        slots.push_back(*slot);
    }
    ASSERT_EQ(test::testRun(forwarder->programFd(), to(30000)).verdict, test::kRedirect);
    EXPECT_EQ(forwarder->tableSize(), 4u);
    // The fifth needs a larger table: 16 entries, then 64, the capacity.
    for (uint16_t i = 4; i < 64; ++i) {
        auto slot = forwarder->upsert(rule(30000 + 2 * i));
        ASSERT_TRUE(slot) << i << ": " << slot.error();
        slots.push_back(*slot);
        EXPECT_EQ(forwarder->tableSize(), i < 16 ? 16u : 64u) << i;
    }
    EXPECT_EQ(pinnedMaxEntries(forwarder->pinDirectory() + "/forward"), 64u);
    // Every entry is in the table the program uses, and counts went on in the same slots.
    for (uint16_t i = 0; i < 64; ++i) {
        ASSERT_EQ(test::testRun(forwarder->programFd(), to(30000 + 2 * i)).verdict, test::kRedirect)
            << i;
    }
    EXPECT_EQ(forwarder->readStats(slots[0])->packets, 2u);
    EXPECT_EQ(forwarder->readStats(slots[63])->packets, 1u);
    EXPECT_EQ(forwarder->totals().packets, 65u);
    bool full = false;
    EXPECT_FALSE(forwarder->upsert(rule(40000), &full));
    EXPECT_TRUE(full);
    // A restarted daemon finds the grown table.
    forwarder.reset();
    auto second = open(4, 64, 4);
    EXPECT_EQ(second->origin(), BpfForwarder::Origin::adopted);
    EXPECT_EQ(second->tableSize(), 64u);
    EXPECT_EQ(second->entries()->size(), 64u);
    EXPECT_EQ(test::testRun(second->programFd(), to(30126)).verdict, test::kRedirect);
    EXPECT_EQ(second->readStats(slots[63])->packets, 2u);
    second->destroy();
}

TEST_F(BpfForwarderTest, ATableFilledBehindItsBackGrowsAtTheNextInsert) {
    auto forwarder = open(4, 64, 4);
    // Four entries the forwarder does not know of (another writer) fill the first table.
    int table = bpf_obj_get((forwarder->pinDirectory() + "/forward").c_str());
    ASSERT_GE(table, 0);
    for (uint16_t port = 31000; port < 31008; port += 2) {
        rtprelay_addr key = rule(port).key();
        rtprelay_fwd_value value = rule(port).value();
        ASSERT_EQ(bpf_map_update_elem(table, &key, &value, BPF_NOEXIST), 0) << port;
    }
    close(table);
    auto slot = forwarder->upsert(rule(30000));
    ASSERT_TRUE(slot) << slot.error();
    EXPECT_EQ(forwarder->tableSize(), 16u);
    EXPECT_EQ(forwarder->entries()->size(), 5u);  // the foreign ones were copied too
    auto frame = PacketBuilder().from("10.0.0.2", 4000).to("10.0.0.1", 30000).rtp(0, 100).build();
    EXPECT_EQ(test::testRun(forwarder->programFd(), frame).verdict, test::kRedirect);
    forwarder->destroy();
}

TEST_F(BpfForwarderTest, FullTableIsAnErrorNotAnException) {
    auto forwarder = open(0, 2);
    bool full = true;
    EXPECT_TRUE(forwarder->upsert(rule(30000), &full));
    EXPECT_FALSE(full);
    EXPECT_TRUE(forwarder->upsert(rule(30002)));
    EXPECT_TRUE(forwarder->upsert(rule(30000)));  // replacing needs no new slot
    EXPECT_EQ(forwarder->fullRefusals(), 0u);
    auto third = forwarder->upsert(rule(30004), &full);
    ASSERT_FALSE(third);
    EXPECT_TRUE(full);
    EXPECT_EQ(forwarder->fullRefusals(), 1u);
    EXPECT_NE(third.error().find("10.0.0.1:30004"), std::string::npos) << third.error();
    EXPECT_NE(third.error().find("2 statistics slots"), std::string::npos) << third.error();
    // An invalid rule is another kind of failure.
    ForwardingRule invalid = rule(30006);
    invalid.outIfindex = 0;
    EXPECT_FALSE(forwarder->upsert(invalid, &full));
    EXPECT_FALSE(full);
    EXPECT_EQ(forwarder->fullRefusals(), 1u);
    // Room again once an entry goes.
    EXPECT_TRUE(*forwarder->erase(ep("10.0.0.1", 30002)));
    EXPECT_TRUE(forwarder->upsert(rule(30004)));
    forwarder->destroy();
}

TEST_F(BpfForwarderTest, FindEraseAndClear) {
    auto forwarder = open(0);
    ASSERT_TRUE(forwarder->upsert(rule(30000)));
    ASSERT_TRUE(forwarder->upsert(rule(30002)));
    ASSERT_TRUE(forwarder->upsert(rule(30004)));

    auto found = forwarder->find(ep("10.0.0.1", 30002));
    ASSERT_TRUE(found);
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->outDestination, ep("10.1.0.2", 50000));
    EXPECT_FALSE(forwarder->find(ep("10.0.0.1", 30006))->has_value());

    EXPECT_TRUE(*forwarder->erase(ep("10.0.0.1", 30002)));
    EXPECT_FALSE(*forwarder->erase(ep("10.0.0.1", 30002)));
    EXPECT_EQ(forwarder->entries()->size(), 2u);
    EXPECT_EQ(*forwarder->clear(), 2u);
    EXPECT_TRUE(forwarder->entries()->empty());
    forwarder->destroy();
}

TEST_F(BpfForwarderTest, RejectsNegativeTablesAndRelativePinRoots) {
    EXPECT_THROW(open(-1), std::runtime_error);
    BpfForwarder::Options options;
    options.pinRoot = "relative/path";
    EXPECT_THROW(BpfForwarder(0, options), std::runtime_error);
}

TEST_F(BpfForwarderTest, TcxLinkOutlivesTheObjectAndMovesToTheNextProgram) {
    NetworkNamespace ns("rtpk-tcx");
    NetworkNamespace::Inside inside(ns);
    const int lo = 1;

    auto first = open(0);
    EXPECT_EQ(first->attach(lo), AttachMode::tcx);
    std::string pin = first->pinDirectory() + "/link_1";
    EXPECT_EQ(linkedProgramId(pin), programId(first->programFd()));
    EXPECT_EQ(first->attachments(), (std::vector<Attachment>{{lo, AttachMode::tcx, false}}));
    uint32_t firstProgram = programId(first->programFd());
    first.reset();

    // Still attached with no process holding it.
    EXPECT_EQ(linkedProgramId(pin), firstProgram);

    auto second = open(0);
    EXPECT_EQ(second->attachments(), (std::vector<Attachment>{{lo, AttachMode::tcx, false}}));
    EXPECT_EQ(second->attach(lo), AttachMode::tcx);
    EXPECT_EQ(linkedProgramId(pin), programId(second->programFd()));

    second->detach(lo);
    EXPECT_FALSE(exists(pin));
    EXPECT_TRUE(second->attachments().empty());
    second->detach(lo);  // nothing attached: no error
    second->destroy();
}

TEST_F(BpfForwarderTest, ClassicFilterOutlivesTheObjectAndDestroyRemovesIt) {
    NetworkNamespace ns("rtpk-cls");
    NetworkNamespace::Inside inside(ns);
    const int lo = 1;
    const std::string show = "tc -n " + ns.name() + " filter show dev lo ingress";

    auto first = open(5);
    EXPECT_EQ(first->attach(lo, AttachMode::classic), AttachMode::classic);
    EXPECT_NE(test::shellOutput(show).find("rtpr_ingress"), std::string::npos);
    first.reset();
    EXPECT_NE(test::shellOutput(show).find("rtpr_ingress"), std::string::npos);

    auto second = open(5);
    EXPECT_EQ(second->attachments(), (std::vector<Attachment>{{lo, AttachMode::classic, false}}));
    // An existing classic attachment is replaced in place, not doubled with a tcx link.
    EXPECT_EQ(second->attach(lo), AttachMode::classic);
    std::string filters = test::shellOutput(show);
    EXPECT_EQ(filters.find("direct-action"), filters.rfind("direct-action")) << filters;
    EXPECT_NE(filters.find(" id " + std::to_string(programId(second->programFd())) + " "),
              std::string::npos)
        << filters;
    EXPECT_FALSE(exists(second->pinDirectory() + "/link_1"));
    second->destroy();
    EXPECT_EQ(test::shellOutput(show).find("rtpr_ingress"), std::string::npos);
}

TEST_F(BpfForwarderTest, LinksOfDevicesThatWentAwayAreDroppedAtOpen) {
    {
        auto ns = std::make_unique<NetworkNamespace>("rtpk-gone");
        {
            NetworkNamespace::Inside inside(*ns);
            open(0)->attach(1);
        }
        ns.reset();  // takes its lo and the link's device with it
    }
    // The namespace is dismantled asynchronously after `ip netns del`.
    std::string pin = pinRoot_.path() + "/0/link_1";
    for (int i = 0; i < 200 && linkedDevice(pin) != 0; ++i) {
        usleep(10000);
    }
    ASSERT_EQ(linkedDevice(pin), 0);
    auto forwarder = open(0);
    EXPECT_TRUE(forwarder->attachments().empty());
    EXPECT_FALSE(exists(forwarder->pinDirectory() + "/link_1"));
    forwarder->destroy();
}

}  // namespace
}  // namespace rtprelay::kernel
