#include "sdp/StaticPayloadTypes.h"

#include <array>

#include "common/Text.h"

namespace rtprelay::sdp {

namespace {

constexpr std::array<StaticPayloadType, 24> kStaticPayloadTypes{{
    {0, "PCMU", 8000, 1},   {3, "GSM", 8000, 1},    {4, "G723", 8000, 1},   {5, "DVI4", 8000, 1},
    {6, "DVI4", 16000, 1},  {7, "LPC", 8000, 1},    {8, "PCMA", 8000, 1},   {9, "G722", 8000, 1},
    {10, "L16", 44100, 2},  {11, "L16", 44100, 1},  {12, "QCELP", 8000, 1}, {13, "CN", 8000, 1},
    {14, "MPA", 90000, 1},  {15, "G728", 8000, 1},  {16, "DVI4", 11025, 1}, {17, "DVI4", 22050, 1},
    {18, "G729", 8000, 1},  {25, "CelB", 90000, 1}, {26, "JPEG", 90000, 1}, {28, "nv", 90000, 1},
    {31, "H261", 90000, 1}, {32, "MPV", 90000, 1},  {33, "MP2T", 90000, 1}, {34, "H263", 90000, 1},
}};

}  // namespace

std::span<const StaticPayloadType> staticPayloadTypes() {
    return kStaticPayloadTypes;
}

const StaticPayloadType* findStaticPayloadType(uint8_t payloadType) {
    for (const auto& entry : kStaticPayloadTypes) {
        if (entry.payloadType == payloadType) {
            return &entry;
        }
    }
    return nullptr;
}

const StaticPayloadType* findStaticPayloadType(std::string_view encoding, uint32_t clockRate,
                                               uint8_t channels) {
    for (const auto& entry : kStaticPayloadTypes) {
        if (entry.clockRate == clockRate && entry.channels == channels &&
            text::equalsIgnoreCase(entry.encoding, encoding)) {
            return &entry;
        }
    }
    return nullptr;
}

std::optional<uint8_t> parsePayloadType(std::string_view text) {
    if (text.size() > 1 && text.front() == '0') {
        return std::nullopt;
    }
    auto value = text::parseDigits(text, 3);
    if (!value || *value > 127) {
        return std::nullopt;
    }
    return static_cast<uint8_t>(*value);
}

}  // namespace rtprelay::sdp
