#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "control/Bencode.h"

using namespace rtprelay::control::bencode;

namespace {

void check(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "bencode_fuzzer: %s\n", what);
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    DecodeResult first = decode(input);
    check(first.status == DecodeStatus::ok || !first.error.empty(), "failure without error text");
    if (first.status != DecodeStatus::ok) {
        return 0;
    }
    check(first.consumed > 0 && first.consumed <= size, "consumed out of range");

    const std::string wire = encode(first.value);
    // The decoder accepts canonical forms only, so re-encoding reproduces the consumed bytes.
    check(wire == input.substr(0, first.consumed), "encode(decode(x)) differs from x");

    DecodeResult second = decode(wire);
    check(second.status == DecodeStatus::ok, "re-encoded value does not decode");
    check(second.consumed == wire.size(), "re-encoded value not fully consumed");
    check(second.value == first.value, "decode(encode(v)) != v");
    check(encode(second.value) == wire, "encoding is not stable");

    // Stream framing relies on every strict prefix of a message being `incomplete`.
    for (size_t n : {size_t{0}, first.consumed / 2, first.consumed - 1}) {
        check(decode(input.substr(0, n)).status == DecodeStatus::incomplete,
              "prefix of a valid value is not incomplete");
    }

    // Tighter limits may reject, but must never yield a different value.
    Limits tight;
    tight.maxDepth = 3;
    tight.maxElements = 20;
    DecodeResult limited = decode(input, tight);
    check(limited.status != DecodeStatus::invalid && limited.status != DecodeStatus::incomplete,
          "tighter limits changed the verdict");
    if (limited.status == DecodeStatus::ok) {
        check(limited.value == first.value && limited.consumed == first.consumed,
              "tighter limits changed the value");
    }
    return 0;
}
