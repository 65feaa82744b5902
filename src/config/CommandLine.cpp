#include "config/CommandLine.h"

#include <getopt.h>

#include <mutex>

namespace rtprelay::config {

namespace {

// getopt_long keeps its state in globals.
std::mutex getoptMutex;

// getopt_long `val` for options without a short letter: above any char value.
constexpr int longOnlyBase = 256;

}  // namespace

Parsed<CommandLine> CommandLine::parse(const std::vector<std::string>& args,
                                       const OptionTable& table) {
    const auto& specs = table.options();
    std::vector<option> longOptions;
    longOptions.reserve(specs.size() + 1);
    // "+": stop at the first non-option instead of permuting, so argv[optind] is always
    // the element being parsed. ":": report a missing value as ':' rather than '?'.
    std::string shortOptions = "+:";
    for (size_t i = 0; i < specs.size(); ++i) {
        const OptionSpec& spec = specs[i];
        bool takesValue = spec.kind != OptionKind::flag;
        int val = spec.shortName != 0 ? static_cast<unsigned char>(spec.shortName)
                                      : longOnlyBase + static_cast<int>(i);
        // The names are string literals, hence NUL-terminated.
        longOptions.push_back(
            option{spec.name.data(), takesValue ? required_argument : no_argument, nullptr, val});
        if (spec.shortName != 0) {
            shortOptions += spec.shortName;
            if (takesValue) {
                shortOptions += ':';
            }
        }
    }
    longOptions.push_back(option{nullptr, 0, nullptr, 0});

    std::vector<std::string> storage(args.empty() ? std::vector<std::string>{"rtprelayd"} : args);
    std::vector<char*> argv;
    for (std::string& arg : storage) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    int argc = static_cast<int>(storage.size());

    std::lock_guard lock(getoptMutex);
    optind = 0;  // glibc: 0 re-initialises everything, including a half-parsed cluster
    opterr = 0;
    CommandLine result;
    for (;;) {
        int current = optind == 0 ? 1 : optind;
        int longIndex = -1;
        int c =
            getopt_long(argc, argv.data(), shortOptions.c_str(), longOptions.data(), &longIndex);
        if (c == -1) {
            break;
        }
        std::string_view text = current < argc ? std::string_view(argv[current]) : "";
        bool isLong = text.substr(0, 2) == "--";
        std::string_view longName = isLong ? text.substr(2, text.find('=') - 2) : "";
        if (c == '?' || c == ':') {
            if (isLong) {
                const OptionSpec* spec = table.find(longName);
                if (spec == nullptr) {
                    return Parsed<CommandLine>::failure("unrecognized option '--" +
                                                        std::string(longName) + "'");
                }
                if (c == ':') {
                    return Parsed<CommandLine>::failure("option '--" + std::string(longName) +
                                                        "' requires a value");
                }
                return Parsed<CommandLine>::failure("option '--" + std::string(longName) +
                                                    "' does not take a value");
            }
            std::string letter(1, static_cast<char>(optopt));
            if (c == ':') {
                return Parsed<CommandLine>::failure("option '-" + letter + "' requires a value");
            }
            return Parsed<CommandLine>::failure("unrecognized option '-" + letter + "'");
        }
        const OptionSpec* spec = nullptr;
        if (longIndex >= 0) {
            spec = &specs[static_cast<size_t>(longIndex)];
            // getopt_long accepts unambiguous prefixes ("--forg"); GOption does not.
            if (longName != spec->name) {
                return Parsed<CommandLine>::failure("unrecognized option '--" +
                                                    std::string(longName) + "'");
            }
        } else {
            spec = table.findShort(static_cast<char>(c));
        }
        if (spec == nullptr) {
            return Parsed<CommandLine>::failure("unrecognized option '" + std::string(text) + "'");
        }
        result.settings_.push_back(
            Setting{spec, spec->kind == OptionKind::flag ? "true" : std::string(optarg)});
    }
    if (optind < argc) {
        return Parsed<CommandLine>::failure("unexpected argument '" + std::string(argv[optind]) +
                                            "'");
    }
    return result;
}

const std::string* CommandLine::last(std::string_view name) const {
    const std::string* value = nullptr;
    for (const Setting& setting : settings_) {
        if (setting.spec->name == name) {
            value = &setting.value;
        }
    }
    return value;
}

}  // namespace rtprelay::config
