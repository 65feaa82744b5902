#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

// bencode as spoken by the rtpengine "ng" control protocol. The decoder is strict (only the
// canonical encoding of each value is accepted), so encode(decode(x)) reproduces x byte for byte
// apart from bytes after the first value; this is what lets stream framing trust `consumed`.
namespace rtprelay::control::bencode {

class Value;
using List = std::vector<Value>;
// A vector rather than a map: rtpengine writes keys in insertion order (not sorted, unlike the
// bencode spec), and peers may send duplicate keys, which must survive a round trip.
using Dict = std::vector<std::pair<std::string, Value>>;

class Value {
public:
    enum class Type { string, integer, list, dict };

    Value();
    Value(std::string s);
    Value(std::string_view s);
    Value(const char* s);
    Value(int64_t i);
    Value(int i);
    Value(List l);
    Value(Dict d);

    static Value list();
    static Value dict();

    Type type() const;
    bool isString() const { return type() == Type::string; }
    bool isInt() const { return type() == Type::integer; }
    bool isList() const { return type() == Type::list; }
    bool isDict() const { return type() == Type::dict; }

    // Accessors assert the type in debug builds; release builds throw std::bad_variant_access
    // instead of reading the wrong alternative.
    const std::string& str() const;
    int64_t integer() const;
    const List& items() const;
    List& items();
    const Dict& entries() const;
    Dict& entries();

    // First entry with `key`; nullptr when absent or when this is not a dict.
    const Value* find(std::string_view key) const;
    // Replaces the first entry with `key` in place (keeping its position) or appends.
    Value& set(std::string key, Value v);
    Value& push(Value v);

    // Destruction and comparison recurse through nesting; decoded values are bounded by
    // Limits::maxDepth, and values built in code are shallow.
    friend bool operator==(const Value& a, const Value& b);

private:
    std::variant<std::string, int64_t, List, Dict> v_;
};

struct Limits {
    size_t maxInputSize = 65535;  // rtpengine's MAX_UDP_LENGTH
    size_t maxDepth = 32;         // nesting of lists/dicts; a top-level scalar has depth 0
    size_t maxElements = 16384;   // total values in the document, dict keys included
};

enum class DecodeStatus { ok, incomplete, invalid, tooLarge, tooDeep, tooManyElements };

struct DecodeResult {
    DecodeStatus status = DecodeStatus::invalid;
    Value value;          // valid when status == ok
    size_t consumed = 0;  // bytes of the first complete value (ok)
    std::string error;    // human-readable, with the offending offset where there is one
};

// Decodes ONE value at the start of `input`; bytes after it are not examined. `incomplete`
// means the input ended before the value did: every strict prefix of a valid value yields it,
// so a stream reader can wait for more bytes. A value that could only end beyond
// maxInputSize yields tooLarge instead, so a reader never waits for a message it must reject.
// Inputs longer than maxInputSize are rejected unparsed: a stream reader holding several
// messages should pass at most maxInputSize bytes.
DecodeResult decode(std::string_view input, const Limits& limits = {});

void encodeTo(const Value& v, std::string& out);  // appends
std::string encode(const Value& v);

}  // namespace rtprelay::control::bencode
