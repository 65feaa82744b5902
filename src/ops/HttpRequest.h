#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rtprelay::ops {

// The head of an HTTP/1.x request, as much of it as the operator endpoints need.
struct HttpRequest {
    enum class Status { incomplete, ok, malformed };

    std::string method;
    std::string path;   // the target without its query
    std::string query;  // after '?', undecoded
    std::string version;

    // Parses request line and header fields once the empty line that ends them has arrived
    // (CRLF or bare LF line ends). Header fields are checked for syntax, not interpreted.
    static Status parse(std::string_view received, HttpRequest& out);
};

// %XX escapes and '+' as space (the `/cli/list+totals` form); nothing for a broken escape.
std::optional<std::string> decodeUrlComponent(std::string_view text);

}  // namespace rtprelay::ops
