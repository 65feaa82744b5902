#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sdp/Parser.h"
#include "sdp/Writer.h"

using namespace rtprelay::sdp;

namespace {

void check(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "sdp_fuzzer: %s\n", what);
        std::abort();
    }
}

// The writer may legitimately grow a body (session c= copied into every m=, rtpmaps and
// directions added), so re-parsing its output gets generous limits.
Limits roomy() {
    Limits limits;
    limits.maxSize *= 4;
    limits.maxLines *= 4;
    limits.maxLineLength *= 2;
    limits.maxAttributesPerSection *= 2;
    return limits;
}

void checkRewriteIsStable(const SessionDescription& sdp, const WriteOptions& options) {
    const std::string first = write(sdp, options);
    ParseResult again = parse(first, roomy());
    if (!again) {
        std::fprintf(stderr, "sdp_fuzzer: %s\n", again.error().message.c_str());
    }
    check(again.ok(), "writer output does not parse");
    check(write(again.value(), options) == first, "write(parse(write(m))) != write(m)");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    ParseResult result = parse(input);
    if (!result) {
        const ParseError& error = result.error();
        check(!error.message.empty(), "failure without error text");
        check(error.line == 0 ||
                  error.message.starts_with("line " + std::to_string(error.line) + ": "),
              "error line does not match its message");
        return 0;
    }
    // Looser limits must not change the model of an accepted body.
    ParseResult loose = parse(input, roomy());
    check(loose.ok() && loose.value() == result.value(), "looser limits changed the model");

    for (bool originalSendrecv : {false, true}) {
        for (bool rtcpWithMux : {false, true}) {
            checkRewriteIsStable(result.value(), WriteOptions{originalSendrecv, rtcpWithMux});
        }
    }

    // The edits the engine makes must keep the output parseable and stable too.
    SessionDescription edited = result.value();
    edited.removeIce();
    for (auto& m : edited.media) {
        if (!m.formats.empty()) {
            m.removeFormat(std::string(m.formats.front()));
        }
    }
    bool anyFormatLeft = true;
    for (const auto& m : edited.media) {
        anyFormatLeft = anyFormatLeft && !m.formats.empty();
    }
    // An m= line without formats is not valid SDP; the engine rejects the stream instead.
    if (anyFormatLeft) {
        checkRewriteIsStable(edited, WriteOptions{});
    }
    return 0;
}
