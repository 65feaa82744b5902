#include "config/ConfigLoader.h"

#include <sys/stat.h>

#include <algorithm>
#include <thread>

#include "config/CommandLine.h"
#include "config/IniFile.h"
#include "config/OptionTable.h"
#include "config/OptionValues.h"
#include "config/ValueSyntax.h"

#ifndef RTPRELAY_VERSION
#define RTPRELAY_VERSION "0.1.0"
#endif

namespace rtprelay::config {

namespace {

// The file to read, if any.
std::optional<std::string> chooseFile(const CommandLine& commandLine,
                                      const std::vector<std::string>& defaults) {
    if (const std::string* explicitPath = commandLine.last("config-file")) {
        if (*explicitPath == "none") {
            return std::nullopt;
        }
        return *explicitPath;
    }
    for (const std::string& candidate : defaults) {
        struct stat st {};
        // A default file is optional, but one that exists and cannot be read is an error.
        if (::stat(candidate.c_str(), &st) == 0) {
            return candidate;
        }
    }
    return std::nullopt;
}

Rejection checkKind(const OptionSpec& spec, const std::string& value) {
    switch (spec.kind) {
        case OptionKind::flag:
            if (auto parsed = syntax::parseBoolean(value); !parsed) {
                return parsed.error();
            }
            break;
        case OptionKind::integer:
            if (auto parsed = syntax::parseInteger(value); !parsed) {
                return parsed.error();
            }
            break;
        case OptionKind::real:
            if (auto parsed = syntax::parseReal(value); !parsed) {
                return parsed.error();
            }
            break;
        case OptionKind::string:
        case OptionKind::list:
            break;
    }
    return std::nullopt;
}

// A switched-off boolean or an emptied list does not ask for the capability.
bool requestsCapability(const OptionValues::Entry& entry) {
    if (entry.values.empty()) {
        return false;
    }
    if (entry.spec->kind == OptionKind::flag) {
        auto parsed = syntax::parseBoolean(entry.values.back());
        return parsed && *parsed;
    }
    return true;
}

// Reads the section of `file` into `values`.
Rejection readFile(const IniFile& file, const std::string& path, const std::string& section,
                   const OptionTable& table, OptionValues& values,
                   std::vector<std::string>& warnings) {
    for (const IniFile::Entry& entry : file.entries()) {
        if (entry.section != section) {
            continue;
        }
        std::string where = path + ":" + std::to_string(entry.line);
        const OptionSpec* spec = table.find(entry.key);
        if (!entry.hasValue && (spec == nullptr || spec->kind != OptionKind::flag)) {
            return path + ": line " + std::to_string(entry.line) + ": expected key = value";
        }
        if (spec == nullptr) {
            warnings.push_back("unknown option '" + entry.key + "' at " + where + ", ignored");
            continue;
        }
        if (spec->commandLineOnly) {
            warnings.push_back("option '" + entry.key + "' at " + where +
                               " only has a meaning on the command line, ignored");
            continue;
        }
        std::vector<std::string> entryValues;
        if (!entry.hasValue) {
            entryValues.push_back("true");
        } else if (spec->kind == OptionKind::list) {
            entryValues = IniFile::splitList(entry.rawValue);
        } else {
            entryValues.push_back(IniFile::decodeValue(entry.rawValue));
        }
        values.addFromFile(*spec, std::move(entryValues), where, warnings);
    }
    return std::nullopt;
}

std::string invalidValue(const OptionSpec& spec, const std::string& value, const std::string& why) {
    return "invalid value '" + value + "' for option '" + std::string(spec.name) + "': " + why;
}

// Cross-option rules and rtpengine's "0 means default" conversions.
Rejection finish(Config& config, const OptionValues& values) {
    if (config.portMin > config.portMax) {
        return "port-min (" + std::to_string(config.portMin) + ") is greater than port-max (" +
               std::to_string(config.portMax) + ")";
    }
    // --nftables-start/stop/status only act on the firewall and exit, as in rtpengine.
    bool nftablesMode = config.nftablesStart || config.nftablesStop || config.nftablesStatus;
    if (config.interfaces.empty() && !nftablesMode) {
        return "no interface configured (option 'interface')";
    }
    if (config.listenNg.empty() && config.listenTcpNg.empty() && !nftablesMode) {
        return "no control listener configured (option 'listen-ng')";
    }
    if (config.timeout == 0) {
        config.timeout = 60;
    }
    if (config.silentTimeout == 0) {
        config.silentTimeout = 3600;
    }
    if (config.offerTimeout == 0) {
        config.offerTimeout = 3600;
    }
    if (config.numThreads == 0) {
        config.numThreads = std::max(4, static_cast<int>(std::thread::hardware_concurrency()));
    }
    // rtpengine derives the chain from the table; without a kernel table there is nothing
    // to hook, so the chain stays empty (nftables unmanaged) unless set explicitly.
    if (values.find("nftables-chain") == nullptr && config.table >= 0) {
        config.nftablesChain = "rtpengine_" + std::to_string(config.table);
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> ConfigLoader::standardFiles() {
    return {"/etc/rtprelay/rtprelay.conf", "/etc/rtpengine/rtpengine.conf"};
}

ConfigLoader::ConfigLoader(std::vector<std::string> defaultFiles)
    : defaultFiles_(std::move(defaultFiles)) {}

LoadResult ConfigLoader::load(const std::vector<std::string>& args) const {
    LoadResult result;
    const OptionTable& table = OptionTable::instance();
    auto commandLine = CommandLine::parse(args, table);
    if (!commandLine) {
        result.error = commandLine.error();
        return result;
    }
    if (commandLine->last("help") != nullptr) {
        result.exitNow = true;
        result.output = table.usage();
        return result;
    }
    if (commandLine->last("version") != nullptr) {
        result.exitNow = true;
        result.output = "rtprelayd " RTPRELAY_VERSION "\n";
        return result;
    }

    Config config;
    if (const std::string* section = commandLine->last("config-section")) {
        config.configSection = *section;
    }
    OptionValues values;
    if (std::optional<std::string> chosen = chooseFile(*commandLine, defaultFiles_)) {
        const std::string& path = *chosen;
        auto text = IniFile::readText(path);
        if (!text) {
            bool explicitFile = commandLine->last("config-file") != nullptr;
            result.error = explicitFile ? "--config-file: " + text.error() : text.error();
            return result;
        }
        auto ini = IniFile::parse(*text);
        if (!ini) {
            result.error = path + ": " + ini.error();
            return result;
        }
        if (Rejection error =
                readFile(*ini, path, config.configSection, table, values, result.warnings)) {
            result.error = *error;
            return result;
        }
        config.configFile = path;
    }
    for (const CommandLine::Setting& setting : commandLine->settings()) {
        if (!setting.spec->commandLineOnly) {
            values.addFromCommandLine(*setting.spec, setting.value);
        }
    }

    for (const OptionValues::Entry& entry : values.entries()) {
        const OptionSpec& spec = *entry.spec;
        for (const std::string& value : entry.values) {
            Rejection rejection = checkKind(spec, value);
            if (!rejection && spec.store) {
                rejection = spec.store(config, value);
            }
            if (rejection) {
                result.error = invalidValue(spec, value, *rejection);
                return result;
            }
        }
        if (!spec.supported && requestsCapability(entry)) {
            config.unsupportedOptionsSet.emplace_back(spec.name);
        }
    }
    if (Rejection error = finish(config, values)) {
        result.error = *error;
        return result;
    }
    result.config = std::move(config);
    return result;
}

LoadResult load(const std::vector<std::string>& args) {
    return ConfigLoader().load(args);
}

}  // namespace rtprelay::config
