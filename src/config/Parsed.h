#pragma once

#include <optional>
#include <string>
#include <utility>

namespace rtprelay::config {

// A parsed value or the reason it was rejected. The reason is a phrase meant to be embedded
// in a one-line operator message ("not an integer"), never shown alone.
template <typename T>
class Parsed {
public:
    Parsed(T value) : value_(std::move(value)) {}  // NOLINT: implicit for `return value;`

    static Parsed failure(std::string why) {
        Parsed p;
        p.error_ = std::move(why);
        return p;
    }

    explicit operator bool() const { return value_.has_value(); }
    T& operator*() { return *value_; }
    const T& operator*() const { return *value_; }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }
    const std::string& error() const { return error_; }

private:
    Parsed() = default;

    std::optional<T> value_;
    std::string error_;
};

}  // namespace rtprelay::config
