/*
 * Map layouts shared by the BPF data plane (rtprelay.bpf.c) and the C++ loader
 * (BpfForwarder). Plain C with fixed-width types and explicit padding, so clang -target bpf
 * and the host C++ compiler lay every struct out the same way; the asserts at the end fail
 * the build on either side if they ever disagree.
 *
 * Bump RTPRELAY_LAYOUT_VERSION whenever a struct here or the meaning of a field changes: a
 * restarted daemon re-adopts pinned maps only when the version recorded in them matches.
 */
#ifndef RTPRELAY_KERNEL_BPF_FORWARDING_H
#define RTPRELAY_KERNEL_BPF_FORWARDING_H

/* The BPF side gets the kernel types from vmlinux.h; <linux/types.h> would redefine them. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define RTPRELAY_MAGIC 0x52545052u /* "RTPR" */
/* 5: the forwarding table sits in an array of maps (rtpr_tables) and grows with its entries */
#define RTPRELAY_LAYOUT_VERSION 5u

/* Address families with the kernel's AF_* values, so the C++ side can pass AF_INET as is. */
#define RTPRELAY_AF_INET 2
#define RTPRELAY_AF_INET6 10

/* Capacity of the forwarding table and its statistics array when the loader does not set
 * one: 10,000 calls need up to 40,000 entries (two legs, separate RTCP ports). */
#define RTPRELAY_DEFAULT_CAPACITY 65536u
/* Size of the first forwarding table; each larger one is RTPRELAY_TABLE_GROWTH times the
 * last, up to the capacity. */
#define RTPRELAY_INITIAL_TABLE_SIZE 1024u
#define RTPRELAY_TABLE_GROWTH 4u

/* An IPv4 or IPv6 UDP endpoint. Also the forwarding key, so every byte is significant:
 * unused address bytes and the padding must be zero. */
struct rtprelay_addr {
    __u8 family;   /* RTPRELAY_AF_INET, RTPRELAY_AF_INET6, 0 = none */
    __u8 pad;      /* zero */
    __u16 port;    /* network byte order */
    __u8 addr[16]; /* IPv4 in addr[0..3] (network order), addr[4..15] zero */
};

/* What to do with a packet whose source is not rtprelay_fwd_value.expected_src
 * (rtpengine's MSM_IGNORE, MSM_DROP, MSM_PROPAGATE). */
enum rtprelay_source_policy {
    RTPRELAY_SOURCE_IGNORE = 0, /* forward anyway */
    RTPRELAY_SOURCE_DROP = 1,   /* drop in the kernel and count an error (strict source) */
    RTPRELAY_SOURCE_PASS = 2,   /* leave it to userspace (learning, media handover) */
};

/* rtprelay_fwd_value.flags (macros, not an enum: they are OR-ed together). */
/* The local port is a separate RTCP port: RTCP is forwarded, RTP goes to userspace. */
#define RTPRELAY_FLAG_RTCP_PORT (1u << 0)
/* On an RTP port, muxed RTCP (RFC 5761) is forwarded too instead of going to userspace. */
#define RTPRELAY_FLAG_FORWARD_MUXED_RTCP (1u << 1)
/* Rewrite the IPv4 TOS / IPv6 traffic class byte with `tos`; otherwise it is kept. */
#define RTPRELAY_FLAG_SET_TOS (1u << 2)
/* out_ifindex is a veth whose peer is in another network namespace and both MAC addresses
 * are known: write eth_dst/eth_src and hand the packet straight to the peer's ingress
 * (bpf_redirect_peer), skipping the neighbour output, the veth transmit and the backlog
 * queue. Without the flag, bpf_redirect_neigh does the neighbour lookup and writes the MACs. */
#define RTPRELAY_FLAG_REDIRECT_PEER (1u << 3)

/* Everything needed to forward a packet that arrived on `key` without userspace. */
struct rtprelay_fwd_value {
    struct rtprelay_addr expected_src; /* family 0: no check; port 0: any port */
    struct rtprelay_addr out_src;      /* the relay's socket on the other leg */
    struct rtprelay_addr out_dst;      /* the other leg's peer; family 0: count, never forward */
    __u32 out_ifindex;                 /* device for bpf_redirect_neigh / _peer */
    __u32 stats_slot;                  /* index into the statistics array */
    __u32 flags;                       /* RTPRELAY_FLAG_* */
    __u8 source_policy;                /* enum rtprelay_source_policy */
    __u8 tos;                          /* with RTPRELAY_FLAG_SET_TOS */
    /* With RTPRELAY_FLAG_REDIRECT_PEER, in frame order so that one copy writes both: the
     * next hop's MAC and out_ifindex's own. Zero otherwise. */
    __u8 eth_dst[6];
    __u8 eth_src[6];
    __u8 pad[2]; /* zero */
    /* RTP payload types forwarded here: bit (pt % 64) of payload_types[pt / 64]. Others,
     * such as RFC 4733 telephone-event or transcoded codecs, go to userspace. */
    __u64 payload_types[2];
};

/* Counters of one forwarding entry. Kept out of the value so that rewriting an entry does not
 * reset them. They live in a memory-mappable array (since layout version 4; per-CPU before):
 * the daemon reads every stream's counters each second for timeouts and totals, and a read
 * from the mapping costs no system call. The program adds atomically, since packets of one
 * entry may be forwarded on several CPUs at once. */
struct rtprelay_stats {
    __u64 packets; /* forwarded */
    __u64 bytes;   /* UDP payload bytes forwarded, as the userspace relay counts */
    __u64 errors;  /* dropped by the source check */
    /* bpf_ktime_get_coarse_ns() (CLOCK_MONOTONIC, as of the last tick) of the last forward;
     * CLOCK_BOOTTIME before layout version 2 */
    __u64 last_packet_ns;
};

/* Why packets left the program the way they did, per CPU, indexed by this enum. Counted
 * from the point where the packet is UDP over IPv4/IPv6; other traffic is not counted. */
enum rtprelay_verdict {
    RTPRELAY_VERDICT_FORWARDED = 0,
    RTPRELAY_VERDICT_MISS,           /* no entry for the destination */
    RTPRELAY_VERDICT_MALFORMED,      /* lengths inconsistent, truncated */
    RTPRELAY_VERDICT_UNSUPPORTED,    /* IP options, fragments, extension headers */
    RTPRELAY_VERDICT_GSO,            /* GRO/GSO aggregate: the stack segments it */
    RTPRELAY_VERDICT_NOT_MEDIA,      /* STUN, DTLS, anything but RTP/RTCP */
    RTPRELAY_VERDICT_SOURCE_DROPPED, /* wrong source, policy drop */
    RTPRELAY_VERDICT_SOURCE_PASSED,  /* wrong source, policy pass */
    RTPRELAY_VERDICT_TO_USERSPACE,   /* payload type, RTCP, family or entry says userspace,
                                      * or the headers could not be made writable */
    RTPRELAY_VERDICT_REWRITE_FAILED, /* a helper failed half way: dropped */
    RTPRELAY_VERDICT_COUNT,
};

/* Single entry of the meta map: lets a restarted daemon tell whether pinned maps have the
 * layout it was built with. This struct must never change. */
struct rtprelay_meta {
    __u32 magic;          /* RTPRELAY_MAGIC */
    __u32 layout_version; /* RTPRELAY_LAYOUT_VERSION */
};

#ifdef __cplusplus
#define RTPRELAY_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define RTPRELAY_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

RTPRELAY_STATIC_ASSERT(sizeof(struct rtprelay_addr) == 20, "rtprelay_addr layout");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_addr, port) == 2, "addr.port");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_addr, addr) == 4, "addr.addr");
RTPRELAY_STATIC_ASSERT(sizeof(struct rtprelay_fwd_value) == 104, "rtprelay_fwd_value layout");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_fwd_value, out_src) == 20, "out_src");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_fwd_value, out_dst) == 40, "out_dst");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_fwd_value, out_ifindex) == 60,
                       "out_ifindex");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_fwd_value, stats_slot) == 64,
                       "stats_slot");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_fwd_value, flags) == 68, "flags");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_fwd_value, source_policy) == 72,
                       "source_policy");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_fwd_value, tos) == 73, "tos");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_fwd_value, eth_dst) == 74, "eth_dst");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_fwd_value, eth_src) == 80, "eth_src");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_fwd_value, pad) == 86, "pad");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_fwd_value, payload_types) == 88,
                       "payload_types");
RTPRELAY_STATIC_ASSERT(sizeof(struct rtprelay_stats) == 32, "rtprelay_stats layout");
RTPRELAY_STATIC_ASSERT(__builtin_offsetof(struct rtprelay_stats, last_packet_ns) == 24,
                       "last_packet_ns");
RTPRELAY_STATIC_ASSERT(sizeof(struct rtprelay_meta) == 8, "rtprelay_meta layout");

#endif /* RTPRELAY_KERNEL_BPF_FORWARDING_H */
