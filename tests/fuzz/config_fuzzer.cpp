// libFuzzer target for the configuration file parser: arbitrary bytes must yield either
// entries or a one-line error, never a crash, a hang or unbounded memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/IniFile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto ini = rtprelay::config::IniFile::parse(text);
    if (!ini) {
        return 0;
    }
    for (const auto& entry : ini->entries()) {
        // Both value interpretations, since the option kind decides which one applies.
        auto value = rtprelay::config::IniFile::decodeValue(entry.rawValue);
        auto list = rtprelay::config::IniFile::splitList(entry.rawValue);
        if (value.size() > entry.rawValue.size() || list.size() > entry.rawValue.size() + 1) {
            __builtin_trap();  // decoding only ever shrinks
        }
    }
    return 0;
}
