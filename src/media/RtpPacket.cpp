#include "media/RtpPacket.h"

#include "media/ByteOrder.h"

namespace rtprelay::media {

namespace {

constexpr uint8_t kVersion = 2;
constexpr size_t kCsrcLength = 4;
constexpr size_t kExtensionHeaderLength = 4;

}  // namespace

std::optional<RtpHeaderView> RtpHeaderView::parseHeader(std::span<const uint8_t> packet) noexcept {
    if (packet.size() < kFixedHeaderLength || (packet[0] >> 6) != kVersion) {
        return std::nullopt;
    }
    size_t length = kFixedHeaderLength + kCsrcLength * (packet[0] & 0x0F);
    if (length > packet.size()) {
        return std::nullopt;
    }
    if ((packet[0] & 0x10) != 0) {
        if (packet.size() - length < kExtensionHeaderLength) {
            return std::nullopt;
        }
        const size_t extensionLength = size_t{4} * load16(packet.data() + length + 2);
        length += kExtensionHeaderLength;
        if (packet.size() - length < extensionLength) {
            return std::nullopt;
        }
        length += extensionLength;
    }
    return RtpHeaderView(packet, length);
}

std::optional<RtpHeaderView> RtpHeaderView::parse(std::span<const uint8_t> packet) noexcept {
    std::optional<RtpHeaderView> view = parseHeader(packet);
    if (!view || !view->padding()) {
        return view;
    }
    // A pad count that reaches into the header would leave a negative payload; 0 cannot count
    // itself. Both mark a corrupt or still encrypted packet.
    const uint8_t padCount = packet.back();
    if (padCount == 0 || padCount > packet.size() - view->headerLength_) {
        return std::nullopt;
    }
    view->paddingLength_ = padCount;
    return view;
}

uint16_t RtpHeaderView::sequenceNumber() const noexcept {
    return load16(packet_.data() + 2);
}

uint32_t RtpHeaderView::timestamp() const noexcept {
    return load32(packet_.data() + 4);
}

uint32_t RtpHeaderView::ssrc() const noexcept {
    return load32(packet_.data() + 8);
}

uint32_t RtpHeaderView::csrc(size_t index) const noexcept {
    if (index >= csrcCount()) {
        return 0;
    }
    return load32(packet_.data() + kFixedHeaderLength + kCsrcLength * index);
}

uint16_t RtpHeaderView::extensionProfile() const noexcept {
    if (!extension()) {
        return 0;
    }
    return load16(packet_.data() + kFixedHeaderLength + kCsrcLength * csrcCount());
}

std::span<const uint8_t> RtpHeaderView::extensionData() const noexcept {
    if (!extension()) {
        return {};
    }
    const size_t start = kFixedHeaderLength + kCsrcLength * csrcCount() + kExtensionHeaderLength;
    return packet_.subspan(start, headerLength_ - start);
}

}  // namespace rtprelay::media
