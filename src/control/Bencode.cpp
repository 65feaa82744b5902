#include "control/Bencode.h"

#include <cassert>
#include <charconv>
#include <cstdint>
#include <limits>

namespace rtprelay::control::bencode {

Value::Value() = default;
Value::Value(std::string s) : v_(std::move(s)) {}
Value::Value(std::string_view s) : v_(std::string(s)) {}
Value::Value(const char* s) : v_(std::string(s)) {}
Value::Value(int64_t i) : v_(i) {}
Value::Value(int i) : v_(static_cast<int64_t>(i)) {}
Value::Value(List l) : v_(std::move(l)) {}
Value::Value(Dict d) : v_(std::move(d)) {}

Value Value::list() {
    return Value(List{});
}
Value Value::dict() {
    return Value(Dict{});
}

// The enumerators are declared in the same order as the variant alternatives.
Value::Type Value::type() const {
    return static_cast<Type>(v_.index());
}

const std::string& Value::str() const {
    assert(isString());
    return std::get<std::string>(v_);
}

int64_t Value::integer() const {
    assert(isInt());
    return std::get<int64_t>(v_);
}

const List& Value::items() const {
    assert(isList());
    return std::get<List>(v_);
}

List& Value::items() {
    assert(isList());
    return std::get<List>(v_);
}

const Dict& Value::entries() const {
    assert(isDict());
    return std::get<Dict>(v_);
}

Dict& Value::entries() {
    assert(isDict());
    return std::get<Dict>(v_);
}

const Value* Value::find(std::string_view key) const {
    const Dict* d = std::get_if<Dict>(&v_);
    if (d == nullptr) {
        return nullptr;
    }
    for (const auto& [k, v] : *d) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

Value& Value::set(std::string key, Value v) {
    Dict& d = entries();
    for (auto& [k, existing] : d) {
        if (k == key) {
            existing = std::move(v);
            return existing;
        }
    }
    d.emplace_back(std::move(key), std::move(v));
    return d.back().second;
}

Value& Value::push(Value v) {
    List& l = items();
    l.push_back(std::move(v));
    return l.back();
}

bool operator==(const Value& a, const Value& b) {
    return a.v_ == b.v_;
}

namespace {

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

std::string describeByte(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
        return std::string("'") + c + "'";
    }
    static constexpr char hex[] = "0123456789abcdef";
    return std::string("0x") + hex[u >> 4] + hex[u & 0xf];
}

// Iterative so that nesting depth costs heap (bounded by Limits) rather than C++ stack.
class Decoder {
public:
    Decoder(std::string_view in, const Limits& limits) : in_(in), limits_(limits) {}

    DecodeResult run() {
        if (in_.size() > limits_.maxInputSize) {
            fail(DecodeStatus::tooLarge, "input of " + std::to_string(in_.size()) +
                                             " bytes exceeds the limit of " +
                                             std::to_string(limits_.maxInputSize));
            return std::move(result_);
        }
        if (parse()) {
            result_.status = DecodeStatus::ok;
            result_.consumed = pos_;
        }
        return std::move(result_);
    }

private:
    struct Frame {
        Value container;
        std::string key;  // dict only: the key awaiting its value
        bool haveKey = false;
    };

    bool parse() {
        for (;;) {
            if (pos_ >= in_.size()) {
                return failIncomplete();
            }
            const char c = in_[pos_];
            Frame* top = stack_.empty() ? nullptr : &stack_.back();
            if (top != nullptr && c == 'e') {
                if (top->haveKey) {
                    return fail(DecodeStatus::invalid,
                                "dict key without a value at offset " + std::to_string(pos_));
                }
                ++pos_;
                Value done = std::move(top->container);
                stack_.pop_back();
                if (deliver(std::move(done))) {
                    return true;
                }
                continue;
            }
            if (top != nullptr && top->container.isDict() && !top->haveKey) {
                if (!isDigit(c)) {
                    return fail(DecodeStatus::invalid,
                                "dict key is not a string at offset " + std::to_string(pos_));
                }
                if (!countElement() || !parseString(top->key)) {
                    return false;
                }
                top->haveKey = true;
                continue;
            }
            if (!countElement()) {
                return false;
            }
            if (c == 'i') {
                int64_t i = 0;
                if (!parseInteger(i)) {
                    return false;
                }
                if (deliver(i)) {
                    return true;
                }
            } else if (isDigit(c)) {
                std::string s;
                if (!parseString(s)) {
                    return false;
                }
                if (deliver(std::move(s))) {
                    return true;
                }
            } else if (c == 'l' || c == 'd') {
                if (stack_.size() >= limits_.maxDepth) {
                    return fail(DecodeStatus::tooDeep, "nesting deeper than " +
                                                           std::to_string(limits_.maxDepth) +
                                                           " at offset " + std::to_string(pos_));
                }
                ++pos_;
                stack_.push_back(Frame{c == 'l' ? Value::list() : Value::dict(), {}, false});
            } else {
                return fail(DecodeStatus::invalid, "unexpected byte " + describeByte(c) +
                                                       " at offset " + std::to_string(pos_));
            }
        }
    }

    // Returns true when `v` completed the top-level value. Takes what a Value is built from, so
    // scalars are constructed in place.
    template <typename T>
    bool deliver(T&& v) {
        if (stack_.empty()) {
            result_.value = Value(std::forward<T>(v));
            return true;
        }
        Frame& top = stack_.back();
        if (top.container.isList()) {
            top.container.items().emplace_back(std::forward<T>(v));
        } else {
            top.container.entries().emplace_back(std::move(top.key), std::forward<T>(v));
            top.haveKey = false;
        }
        return false;
    }

    bool countElement() {
        if (++elements_ > limits_.maxElements) {
            return fail(DecodeStatus::tooManyElements,
                        "more than " + std::to_string(limits_.maxElements) + " elements");
        }
        return true;
    }

    // Precondition: in_[pos_] is a digit.
    bool parseString(std::string& out) {
        const size_t start = pos_;
        size_t len = 0;
        if (in_[pos_] == '0') {
            ++pos_;
            if (pos_ < in_.size() && isDigit(in_[pos_])) {
                return fail(DecodeStatus::invalid,
                            "string length with a leading zero at offset " + std::to_string(start));
            }
        } else {
            while (pos_ < in_.size() && isDigit(in_[pos_])) {
                const auto d = static_cast<size_t>(in_[pos_] - '0');
                if (len > (std::numeric_limits<size_t>::max() - d) / 10 ||
                    len * 10 + d > limits_.maxInputSize) {
                    return failTooLong(start);
                }
                len = len * 10 + d;
                ++pos_;
            }
        }
        if (pos_ >= in_.size()) {
            return failIncomplete();
        }
        if (in_[pos_] != ':') {
            return fail(DecodeStatus::invalid,
                        "expected ':' after string length at offset " + std::to_string(pos_));
        }
        ++pos_;
        // pos_ <= in_.size() <= maxInputSize, so the subtraction cannot wrap.
        if (len > limits_.maxInputSize - pos_) {
            return failTooLong(start);
        }
        if (len > in_.size() - pos_) {
            return failIncomplete();
        }
        out.assign(in_.substr(pos_, len));
        pos_ += len;
        return true;
    }

    // Precondition: in_[pos_] == 'i'.
    bool parseInteger(int64_t& out) {
        const size_t start = pos_++;
        bool negative = false;
        if (pos_ < in_.size() && in_[pos_] == '-') {
            negative = true;
            ++pos_;
        }
        if (pos_ >= in_.size()) {
            return failIncomplete();
        }
        // "-0" and leading zeros have no place in canonical bencode; rtpengine's stream
        // validator rejects them too.
        if (!isDigit(in_[pos_]) || (negative && in_[pos_] == '0')) {
            return failInvalidInteger(start);
        }
        const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
        uint64_t magnitude = 0;
        if (in_[pos_] == '0') {
            ++pos_;
        } else {
            while (pos_ < in_.size() && isDigit(in_[pos_])) {
                const auto d = static_cast<uint64_t>(in_[pos_] - '0');
                if (magnitude > (limit - d) / 10) {
                    return fail(DecodeStatus::invalid,
                                "integer out of range at offset " + std::to_string(start));
                }
                magnitude = magnitude * 10 + d;
                ++pos_;
            }
        }
        if (pos_ >= in_.size()) {
            return failIncomplete();
        }
        if (in_[pos_] != 'e') {
            return failInvalidInteger(start);
        }
        ++pos_;
        // Modular conversion (well-defined since C++20) also covers INT64_MIN.
        out = static_cast<int64_t>(negative ? 0 - magnitude : magnitude);
        return true;
    }

    bool failIncomplete() {
        // A full-sized input that still has not finished can never be completed by more bytes.
        if (in_.size() >= limits_.maxInputSize) {
            return fail(
                DecodeStatus::tooLarge,
                "value does not end within " + std::to_string(limits_.maxInputSize) + " bytes");
        }
        return fail(DecodeStatus::incomplete,
                    "input ended at offset " + std::to_string(in_.size()) + " inside a value");
    }

    bool failTooLong(size_t start) {
        return fail(DecodeStatus::tooLarge, "string at offset " + std::to_string(start) +
                                                " does not end within " +
                                                std::to_string(limits_.maxInputSize) + " bytes");
    }

    bool failInvalidInteger(size_t start) {
        return fail(DecodeStatus::invalid, "invalid integer at offset " + std::to_string(start));
    }

    bool fail(DecodeStatus status, std::string error) {
        result_.status = status;
        result_.error = std::move(error);
        return false;
    }

    std::string_view in_;
    const Limits& limits_;
    size_t pos_ = 0;
    size_t elements_ = 0;
    std::vector<Frame> stack_;
    DecodeResult result_;
};

void appendString(std::string& out, std::string_view s) {
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, s.size()).ptr);
    out += ':';
    out.append(s);
}

void appendInteger(std::string& out, int64_t i) {
    char buf[24];
    out += 'i';
    out.append(buf, std::to_chars(buf, buf + sizeof buf, i).ptr);
    out += 'e';
}

}  // namespace

DecodeResult decode(std::string_view input, const Limits& limits) {
    return Decoder(input, limits).run();
}

void encodeTo(const Value& root, std::string& out) {
    struct Frame {
        const Value* container;
        size_t next;
    };
    std::vector<Frame> stack;
    auto begin = [&](const Value& v) {
        switch (v.type()) {
            case Value::Type::string:
                appendString(out, v.str());
                break;
            case Value::Type::integer:
                appendInteger(out, v.integer());
                break;
            case Value::Type::list:
                out += 'l';
                stack.push_back({&v, 0});
                break;
            case Value::Type::dict:
                out += 'd';
                stack.push_back({&v, 0});
                break;
        }
    };
    begin(root);
    while (!stack.empty()) {
        // begin() may grow the stack, so the frame is not touched after calling it.
        const Value& c = *stack.back().container;
        const size_t i = stack.back().next++;
        if (c.isList()) {
            if (i < c.items().size()) {
                begin(c.items()[i]);
                continue;
            }
        } else if (i < c.entries().size()) {
            const auto& [key, value] = c.entries()[i];
            appendString(out, key);
            begin(value);
            continue;
        }
        out += 'e';
        stack.pop_back();
    }
}

std::string encode(const Value& v) {
    std::string out;
    encodeTo(v, out);
    return out;
}

}  // namespace rtprelay::control::bencode
