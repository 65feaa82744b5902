#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>

#include "media/PacketClass.h"
#include "media/RtpPacket.h"

using namespace rtprelay::media;

namespace {

void check(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "rtp_fuzzer: %s\n", what);
        std::abort();
    }
}

void checkView(const RtpHeaderView& view, std::span<const uint8_t> input) {
    check(view.version() == 2, "version other than 2 accepted");
    check(view.headerLength() + view.payloadLength() + view.paddingLength() == input.size(),
          "header + payload + padding != input length");
    const std::span<const uint8_t> payload = view.payload();
    check(payload.size() == view.payloadLength(), "payload span size differs from length");
    check(payload.data() >= input.data() &&
              payload.data() + payload.size() <= input.data() + input.size(),
          "payload outside the input");
    check(view.headerLength() >= RtpHeaderView::kFixedHeaderLength + 4u * view.csrcCount(),
          "header shorter than its CSRC list");
    check(view.extension() ==
              (view.headerLength() > RtpHeaderView::kFixedHeaderLength + 4u * view.csrcCount()),
          "extension bit and header length disagree");
    const std::span<const uint8_t> extension = view.extensionData();
    check(extension.size() % 4 == 0, "extension not in 32-bit words");
    check(extension.empty() || (extension.data() >= input.data() &&
                                extension.data() + extension.size() <= payload.data()),
          "extension outside the header");
    check(view.paddingLength() == 0 || view.padding(), "padding without P bit");
    // Touch every accessor so that ASan sees each read.
    volatile uint32_t sink = view.sequenceNumber() ^ view.timestamp() ^ view.ssrc() ^
                             view.payloadType() ^ view.marker() ^ view.extensionProfile();
    for (size_t i = 0; i <= view.csrcCount(); ++i) {
        sink = sink ^ view.csrc(i);
    }
    (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> input(data, size);
    const PacketClass packetClass = classify(input);

    const std::optional<RtpHeaderView> header = RtpHeaderView::parseHeader(input);
    const std::optional<RtpHeaderView> full = RtpHeaderView::parse(input);
    if (header) {
        checkView(*header, input);
        check(header->paddingLength() == 0, "parseHeader reported padding");
        if (!RtpHeaderView::isRtcpPayloadType(input[1])) {
            check(packetClass == PacketClass::rtp, "parsed RTP not classified as RTP");
        }
    }
    if (full) {
        check(header.has_value(), "parse accepted what parseHeader rejected");
        checkView(*full, input);
        check(full->headerLength() == header->headerLength(), "parsers disagree on the header");
        check(full->padding() == (full->paddingLength() > 0), "P bit without padding length");
    } else if (header) {
        check(header->padding(), "only padding can make parse stricter than parseHeader");
    }
    return 0;
}
