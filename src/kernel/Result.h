#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace rtprelay::kernel {

// A value or the reason the kernel refused the operation ("updating forwarding entry
// 10.0.0.1:30000: Argument list too long"). Table and statistics calls return this instead of
// throwing: they run from the media path, where a failing kernel must only mean "stay in
// userspace". Result<> carries no value.
template <typename T = std::monostate>
class Result {
public:
    Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit for `return value;`

    static Result failure(std::string why) {
        Result r;
        r.error_ = std::move(why);
        return r;
    }

    explicit operator bool() const { return value_.has_value(); }
    T& operator*() { return *value_; }
    const T& operator*() const { return *value_; }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }
    const std::string& error() const { return error_; }

private:
    Result() = default;

    std::optional<T> value_;
    std::string error_;
};

// The successful Result<>.
inline Result<> success() {
    return Result<>(std::monostate{});
}

}  // namespace rtprelay::kernel
