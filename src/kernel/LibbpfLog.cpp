#include "kernel/LibbpfLog.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace rtprelay::kernel {

namespace {

// Enough for the verifier's final verdict and the libbpf lines around it; a full verifier
// log runs to megabytes.
constexpr size_t kKeepBytes = 1500;

thread_local std::string captured;

int capture(enum libbpf_print_level level, const char* format, va_list args) {
    if (level == LIBBPF_DEBUG) {
        return 0;
    }
    char line[1024];
    va_list copy;
    va_copy(copy, args);
    int n = std::vsnprintf(line, sizeof(line), format, copy);
    va_end(copy);
    if (n > 0) {
        captured.append(line, std::min<size_t>(static_cast<size_t>(n), sizeof(line) - 1));
        if (captured.size() > 2 * kKeepBytes) {
            captured.erase(0, captured.size() - kKeepBytes);
        }
    }
    return n;
}

}  // namespace

void LibbpfLog::install() {
    static std::once_flag once;
    std::call_once(once, [] { libbpf_set_print(capture); });
}

void LibbpfLog::clear() {
    captured.clear();
}

std::string LibbpfLog::tail() {
    std::string text =
        captured.size() > kKeepBytes ? captured.substr(captured.size() - kKeepBytes) : captured;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

}  // namespace rtprelay::kernel
