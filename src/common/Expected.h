#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace rtprelay {

// A value or the reason there is none, as a phrase fit for a log line or an operator message.
// Used where failure is an ordinary outcome rather than an exception: parsing operator input
// (config::Parsed) and kernel calls made from the media path, where a refusal only means
// "stay in userspace" (kernel::Result). Expected<> carries no value.
template <typename T = std::monostate>
class Expected {
public:
    Expected(T value) : value_(std::move(value)) {}  // NOLINT: implicit for `return value;`

    static Expected failure(std::string why) {
        Expected e;
        e.error_ = std::move(why);
        return e;
    }

    explicit operator bool() const { return value_.has_value(); }
    T& operator*() { return *value_; }
    const T& operator*() const { return *value_; }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }
    const std::string& error() const { return error_; }

private:
    Expected() = default;

    std::optional<T> value_;
    std::string error_;
};

}  // namespace rtprelay
