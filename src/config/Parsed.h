#pragma once

#include "common/Expected.h"

namespace rtprelay::config {

// A parsed value or the reason it was rejected. The reason is a phrase meant to be embedded
// in a one-line operator message ("not an integer"), never shown alone.
template <typename T>
using Parsed = Expected<T>;

}  // namespace rtprelay::config
