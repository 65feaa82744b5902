#pragma once

#include <string>

namespace rtprelay::kernel {

// libbpf reports the interesting part of a failure (the verifier's complaint, a map
// mismatch) through its print callback, not through errno. This keeps the last warnings of
// the calling thread so that errors can quote them instead of libbpf writing to stderr.
class LibbpfLog {
public:
    // Installs the callback once per process; later calls do nothing.
    static void install();
    // Forgets what the calling thread captured so far.
    static void clear();
    // The calling thread's captured warnings, at most the last few lines, "" if none.
    static std::string tail();
};

}  // namespace rtprelay::kernel
