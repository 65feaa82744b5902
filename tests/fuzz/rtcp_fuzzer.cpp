#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "media/PacketClass.h"
#include "media/RtcpPacket.h"

using namespace rtprelay::media;

namespace {

void check(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "rtcp_fuzzer: %s\n", what);
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> input(data, size);
    const PacketClass packetClass = classify(input);
    const RtcpSummary summary = parseRtcp(input);

    check(summary.blockCount <= summary.blocks.size(), "blockCount over 4");
    if (!summary.valid) {
        check(summary.packetCount == 0 && summary.blockCount == 0 && !summary.hasSenderReport &&
                  summary.senderSsrc == 0,
              "invalid summary carries data");
        return 0;
    }
    check(summary.packetCount >= 1, "valid summary without packets");
    check(size % 4 == 0, "valid compound not in 32-bit words");
    check(packetClass == PacketClass::rtcp, "valid RTCP not classified as RTCP");
    // A compound is the concatenation of its sub-packets, so the first one alone parses too.
    const size_t firstLength = 4 * (size_t{data[2]} << 8 | data[3]) + 4;
    if (firstLength < size && (data[0] & 0x20) == 0) {
        const RtcpSummary first = parseRtcp(input.first(firstLength));
        check(first.valid && first.senderSsrc == summary.senderSsrc,
              "first sub-packet of a valid compound invalid on its own");
        // Sender info comes from the first SR of the sender, which may follow feedback.
        check(!first.hasSenderReport ||
                  (summary.hasSenderReport && first.ntpTimestamp == summary.ntpTimestamp),
              "sender info not from the first SR");
        check(first.blockCount <= summary.blockCount, "compound lost blocks of its first packet");
    }
    for (size_t i = 0; i < summary.blockCount; ++i) {
        const RtcpReportBlock& block = summary.blocks[i];
        check(block.cumulativeLost >= -0x800000 && block.cumulativeLost <= 0x7fffff,
              "cumulative lost outside 24 bits");
        const uint32_t rtt =
            rtcpRoundTripMs(block.lastSr, block.delaySinceLastSr, block.lastSr + 0x10000);
        check(rtt <= 1000, "round trip over the elapsed second");
    }
    return 0;
}
