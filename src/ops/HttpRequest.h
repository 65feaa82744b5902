#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtprelay::ops {

// The head of an HTTP/1.x request, as much of it as the operator endpoints need.
struct HttpRequest {
    enum class Status { incomplete, ok, malformed };

    std::string method;
    std::string path;   // the target without its query
    std::string query;  // after '?', undecoded
    std::string version;
    // Header fields in arrival order, values without surrounding blanks.
    std::vector<std::pair<std::string, std::string>> headers;
    size_t headLength = 0;  // bytes up to and including the empty line; the body follows

    static constexpr size_t maxHeaders = 64;

    // Parses request line and header fields once the empty line that ends them has arrived
    // (CRLF or bare LF line ends). More than maxHeaders fields is malformed.
    static Status parse(std::string_view received, HttpRequest& out);

    // The value of the only field called `name` (case-insensitive); nothing when absent.
    // `repeated` is set when several fields have that name.
    std::optional<std::string_view> header(std::string_view name, bool* repeated = nullptr) const;
};

// %XX escapes and '+' as space (the `/cli/list+totals` form); nothing for a broken escape.
std::optional<std::string> decodeUrlComponent(std::string_view text);

}  // namespace rtprelay::ops
