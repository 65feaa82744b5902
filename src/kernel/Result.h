#pragma once

#include "common/Expected.h"

namespace rtprelay::kernel {

// A value or the reason the kernel refused the operation ("updating forwarding entry
// 10.0.0.1:30000: Argument list too long"). Table and statistics calls return this instead of
// throwing: they run from the media path, where a failing kernel must only mean "stay in
// userspace". Result<> carries no value.
template <typename T = std::monostate>
using Result = Expected<T>;

// The successful Result<>.
inline Result<> success() {
    return Result<>(std::monostate{});
}

}  // namespace rtprelay::kernel
