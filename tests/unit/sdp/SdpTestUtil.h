#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "sdp/Parser.h"
#include "sdp/Writer.h"

namespace rtprelay::sdp::test {

// Goldens are written with LF for readability; the writer always emits CRLF.
inline std::string crlf(std::string_view lf) {
    std::string out;
    out.reserve(lf.size() + lf.size() / 16);
    for (char c : lf) {
        if (c == '\n') {
            out += '\r';
        }
        out += c;
    }
    return out;
}

inline std::string readCorpusFile(const std::string& name) {
    std::ifstream in(std::string(RTPRELAY_SOURCE_DIR) + "/tests/fuzz/corpus/sdp/" + name,
                     std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// Parses `input` (failing the test on error) and writes it back.
inline std::string rewrite(std::string_view input, const WriteOptions& options = {}) {
    ParseResult parsed = parse(input);
    if (!parsed) {
        ADD_FAILURE() << "parse failed: " << parsed.error().message;
        return {};
    }
    return write(parsed.value(), options);
}

}  // namespace rtprelay::sdp::test
