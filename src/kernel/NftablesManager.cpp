#include "kernel/NftablesManager.h"

#include <algorithm>
#include <set>

namespace rtprelay::kernel {

namespace {

constexpr size_t portCount = 65536;

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// Kernel error texts for "already gone": fine when deleting.
bool isMissing(const std::string& error) {
    return error.find("No such file or directory") != std::string::npos;
}

}  // namespace

NftablesManager::NftablesManager(NftablesSettings settings)
    : settings_(std::move(settings)), refs_(portCount, 0) {}

bool NftablesManager::staleRemoved() const {
    std::lock_guard lock(mutex_);
    return staleRemoved_;
}

bool NftablesManager::active() const {
    std::lock_guard lock(mutex_);
    return active_;
}

std::string NftablesManager::where(const std::string& family) const {
    return "table '" + family + " " + std::string(NftablesSettings::tableName) + "'";
}

NftablesResult NftablesManager::inspect(const std::string& family,
                                        std::optional<NftablesTable>& table) {
    table.reset();
    if (!nft_.valid()) {
        return NftablesResult::failure("cannot create a libnftables context");
    }
    const std::string name(NftablesSettings::tableName);
    auto listed = nft_.list("list table " + family + " " + name);
    if (!listed.ok) {
        // Tell "no such table" from real trouble (no permission, no nf_tables).
        auto tables = nft_.list("list tables " + family);
        if (!tables.ok) {
            return NftablesResult::failure("cannot list nftables tables (" + family +
                                           "): " + tables.error);
        }
        auto parsed = NftablesTable::parse(tables.text);
        if (!parsed) {
            return NftablesResult::failure("cannot parse libnftables output");
        }
        if (!contains(parsed->tables(), name)) {
            return success();
        }
        return NftablesResult::failure("cannot list nftables " + where(family) + ": " +
                                       listed.error);
    }
    table = NftablesTable::parse(listed.text);
    if (!table) {
        return NftablesResult::failure("cannot parse libnftables output for " + where(family));
    }
    auto text = nft_.listText("list table " + family + " " + name);
    if (!text.ok) {
        return NftablesResult::failure("cannot list nftables " + where(family) + ": " + text.error);
    }
    table->addCommentsFromListing(text.text);
    return success();
}

bool NftablesManager::chainIsOurs(const NftablesTable& table) const {
    return table.findChain(settings_.chain) != nullptr &&
           (table.findRule(settings_.chain, settings_.markerComment()) != nullptr ||
            table.findRule(settings_.chain, settings_.rtpengineMarkerComment()) != nullptr);
}

NftablesManager::Cleanup NftablesManager::planCleanup(const std::string& family,
                                                      const NftablesTable& table) const {
    const std::string prefix = family + " " + std::string(NftablesSettings::tableName) + " ";
    const std::string& chain = settings_.chain;
    const std::vector<std::string> ourComments{settings_.jumpComment(), settings_.portsComment(),
                                               settings_.markerComment()};
    // Where rtpengine (and we) put jump rules; its jumps carry no comment, so a jump to our
    // chain from one of these counts as ours too (as rtpengine's own cleanup does).
    std::vector<std::string> jumpChains{"INPUT", "input"};
    if (settings_.jumpsFromBaseChain()) {
        jumpChains.push_back(settings_.baseChain);
    }
    const bool ours = chainIsOurs(table);

    Cleanup cleanup;
    std::set<std::pair<std::string, uint64_t>> doomed;
    for (const auto& rule : table.rules()) {
        if (rule.chain == chain) {
            continue;
        }
        bool mine = contains(ourComments, rule.comment) ||
                    (ours && settings_.baseChain != "none" && rule.jumpTarget == chain &&
                     contains(jumpChains, rule.chain));
        if (mine) {
            doomed.insert({rule.chain, rule.handle});
            cleanup.commands += "delete rule " + prefix + rule.chain + " handle " +
                                std::to_string(rule.handle) + "\n";
        }
    }
    auto survives = [&](const NftablesTable::Rule& rule) {
        return !doomed.contains({rule.chain, rule.handle});
    };
    if (ours) {
        // With base chain "none" the operator jumps to our chain from rules of their own:
        // the chain cannot be deleted then, so it is emptied down to its marker.
        cleanup.keptChain = std::any_of(
            table.rules().begin(), table.rules().end(), [&](const NftablesTable::Rule& r) {
                return r.chain != chain && r.jumpTarget == chain && survives(r);
            });
        if (!cleanup.keptChain) {
            cleanup.commands += "flush chain " + prefix + chain + "\n";
            cleanup.commands += "delete chain " + prefix + chain + "\n";
        } else {
            for (const auto& rule : table.rules()) {
                if (rule.chain == chain && rule.comment != settings_.markerComment() &&
                    rule.comment != settings_.rtpengineMarkerComment()) {
                    doomed.insert({rule.chain, rule.handle});
                    cleanup.commands += "delete rule " + prefix + chain + " handle " +
                                        std::to_string(rule.handle) + "\n";
                }
            }
        }
    }
    const std::string set = settings_.portSet();
    if (table.hasSet(set)) {
        cleanup.keptSet = std::any_of(
            table.rules().begin(), table.rules().end(), [&](const NftablesTable::Rule& r) {
                bool gone = !survives(r) || (ours && !cleanup.keptChain && r.chain == chain);
                return !gone && contains(r.setRefs, set);
            });
        // A set still used by someone's rule (with base chain "none" the operator may match
        // on it) stays, but without pinholes.
        cleanup.commands += (cleanup.keptSet ? "flush set " : "delete set ") + prefix + set + "\n";
    }
    return cleanup;
}

std::string NftablesManager::setupCommands(const std::string& family,
                                           const std::optional<NftablesTable>& table,
                                           const Cleanup& cleanup) const {
    const std::string name(NftablesSettings::tableName);
    const std::string prefix = family + " " + name + " ";
    const std::string& chain = settings_.chain;
    const std::string set = settings_.portSet();
    // `create`, never `add`: `add` on an existing table or base chain updates it (flags,
    // policy: rtpengine bug #1785), `create` fails instead, and the batch with it.
    const std::string hook = "{ type filter hook input priority 0; policy accept; }";
    const std::string pinhole =
        "udp dport @" + set + " counter accept comment \"" + settings_.portsComment() + "\"";
    const std::string marker = "continue comment \"" + settings_.markerComment() + "\"";

    const std::string created =
        "comment \"" + std::string(NftablesSettings::createdComment) + "\"; ";
    std::string c;
    if (!table) {
        c += "create table " + family + " " + name + " { " + created + "}\n";
    }
    if (cleanup.keptSet) {
        c += "flush set " + prefix + set + "\n";
    } else {
        c += "create set " + prefix + set + " { type inet_service; }\n";
    }
    if (cleanup.keptChain) {
        c += "insert rule " + prefix + chain + " " + pinhole + "\n";
        if (table->findRule(chain, settings_.markerComment()) == nullptr) {
            c += "add rule " + prefix + chain + " " + marker + "\n";
        }
    } else {
        c += "create chain " + prefix + chain + (settings_.baseChain.empty() ? " " + hook : "") +
             "\n";
        c += "add rule " + prefix + chain + " " + pinhole + "\n";
        c += "add rule " + prefix + chain + " " + marker + "\n";
    }
    if (settings_.jumpsFromBaseChain()) {
        const std::string& base = settings_.baseChain;
        if (!table || table->findChain(base) == nullptr) {
            c += "create chain " + prefix + base + " { " + created +
                 "type filter hook input priority 0; policy accept; }\n";
        }
        // ip: the protocol byte, as rtpengine matches it; ip6/inet: the transport header
        // after any IPv6 extension headers.
        const std::string udp = family == "ip" ? "ip protocol udp" : "meta l4proto udp";
        c += std::string(settings_.append ? "add" : "insert") + " rule " + prefix + base + " " +
             udp + " counter jump " + chain + " comment \"" + settings_.jumpComment() + "\"\n";
    }
    std::vector<uint16_t> ports;
    for (size_t p = 0; p < portCount; ++p) {
        if (refs_[p] != 0) {
            ports.push_back(static_cast<uint16_t>(p));
        }
    }
    if (!ports.empty()) {
        c += "add element " + prefix + set + " { ";
        for (size_t i = 0; i < ports.size(); ++i) {
            c += (i == 0 ? "" : ", ") + std::to_string(ports[i]);
        }
        c += " }\n";
    }
    return c;
}

NftablesResult NftablesManager::setup() {
    std::lock_guard lock(mutex_);
    const bool wasActive = active_;
    active_ = false;
    verifiedGeneration_.reset();
    std::vector<std::optional<NftablesTable>> tables(settings_.families.size());
    for (size_t i = 0; i < settings_.families.size(); ++i) {
        const std::string& family = settings_.families[i];
        if (auto r = inspect(family, tables[i]); !r) {
            return r;
        }
        const auto& table = tables[i];
        if (!table) {
            continue;
        }
        // Checked for every family before anything changes.
        if (table->findChain(settings_.chain) != nullptr && !chainIsOurs(*table)) {
            return NftablesResult::failure(
                "nftables chain '" + settings_.chain + "' already exists in " + where(family) +
                " and is not rtprelay's (no rule commented '" + settings_.markerComment() +
                "'); remove it or set another --nftables-chain");
        }
    }
    std::vector<Cleanup> cleanups(settings_.families.size());
    bool foundStale = false;
    for (size_t i = 0; i < settings_.families.size(); ++i) {
        const std::string& family = settings_.families[i];
        if (!tables[i]) {
            continue;
        }
        cleanups[i] = planCleanup(family, *tables[i]);
        if (cleanups[i].keptChain && settings_.baseChain.empty()) {
            return NftablesResult::failure("nftables chain '" + settings_.chain + "' in " +
                                           where(family) +
                                           " is a jump target of other rules and cannot become "
                                           "a base chain");
        }
        if (cleanups[i].commands.empty()) {
            continue;
        }
        foundStale = true;
        auto out = nft_.run(cleanups[i].commands);
        if (!out.ok) {
            return NftablesResult::failure("cannot remove stale nftables objects in " +
                                           where(family) + ": " + out.error);
        }
    }
    staleRemoved_ = foundStale && !wasActive;
    for (size_t i = 0; i < settings_.families.size(); ++i) {
        const std::string& family = settings_.families[i];
        auto out = nft_.run(setupCommands(family, tables[i], cleanups[i]));
        if (!out.ok) {
            // Leave nothing half-made: families already done are removed again.
            shutdownLocked();
            return NftablesResult::failure("nftables setup in " + where(family) +
                                           " failed: " + out.error);
        }
    }
    active_ = true;
    return success();
}

NftablesResult NftablesManager::shutdown() {
    std::lock_guard lock(mutex_);
    return shutdownLocked();
}

NftablesResult NftablesManager::shutdownLocked() {
    active_ = false;
    verifiedGeneration_.reset();
    NftablesResult result = success();
    for (const std::string& family : settings_.families) {
        std::optional<NftablesTable> table;
        auto r = inspect(family, table);
        if (!r || !table) {
            if (!r && result) {
                result = r;
            }
            continue;
        }
        Cleanup cleanup = planCleanup(family, *table);
        if (cleanup.commands.empty()) {
            continue;
        }
        auto out = nft_.run(cleanup.commands);
        if (!out.ok && result) {
            result = NftablesResult::failure("cannot remove nftables objects in " + where(family) +
                                             ": " + out.error);
        }
        if (auto r = removeCreatedIfEmpty(family); !r && result) {
            result = r;
        }
    }
    return result;
}

NftablesResult NftablesManager::removeCreatedIfEmpty(const std::string& family) {
    // Looked at afresh after our objects are gone: what is left decides.
    std::optional<NftablesTable> table;
    if (auto r = inspect(family, table); !r || !table) {
        return r;
    }
    const std::string prefix = family + " " + std::string(NftablesSettings::tableName) + " ";
    const auto& rules = table->rules();
    std::string commands;
    size_t keptChains = 0;
    for (const auto& chain : table->chains()) {
        // Ours to remove: still as we made it (comment, accept policy), no rule in it and
        // no jump to it. A chain the operator started using stays.
        bool used = std::any_of(rules.begin(), rules.end(), [&](const auto& r) {
            return r.chain == chain.name || r.jumpTarget == chain.name;
        });
        if (chain.comment == NftablesSettings::createdComment && !used &&
            (chain.hook.empty() || chain.policy == "accept")) {
            commands += "delete chain " + prefix + chain.name + "\n";
        } else {
            ++keptChains;
        }
    }
    if (table->tableComment() == NftablesSettings::createdComment && keptChains == 0 &&
        table->sets().empty() && table->otherObjects() == 0) {
        commands +=
            "delete table " + family + " " + std::string(NftablesSettings::tableName) + "\n";
    }
    if (commands.empty()) {
        return success();
    }
    auto out = nft_.run(commands);
    if (!out.ok) {
        return NftablesResult::failure("cannot remove what rtprelay created in " + where(family) +
                                       ": " + out.error);
    }
    return success();
}

NftablesResult NftablesManager::status() {
    std::lock_guard lock(mutex_);
    const std::string& chain = settings_.chain;
    for (const std::string& family : settings_.families) {
        std::optional<NftablesTable> table;
        if (auto r = inspect(family, table); !r) {
            return r;
        }
        if (!table) {
            return NftablesResult::failure("nftables " + where(family) + " does not exist");
        }
        const auto* ours = table->findChain(chain);
        if (ours == nullptr) {
            return NftablesResult::failure("nftables chain '" + chain + "' not found in " +
                                           where(family));
        }
        if (table->findRule(chain, settings_.markerComment()) == nullptr ||
            table->findRule(chain, settings_.portsComment()) == nullptr) {
            return NftablesResult::failure("nftables chain '" + chain + "' in " + where(family) +
                                           " has no rtprelay rule for table " +
                                           std::to_string(settings_.table));
        }
        if (!table->hasSet(settings_.portSet())) {
            return NftablesResult::failure("nftables set '" + settings_.portSet() +
                                           "' not found in " + where(family));
        }
        if (settings_.baseChain.empty()) {
            if (ours->hook != "input") {
                return NftablesResult::failure("nftables chain '" + chain + "' in " +
                                               where(family) +
                                               " is not a base chain on the input hook");
            }
        } else if (settings_.jumpsFromBaseChain()) {
            const std::string& base = settings_.baseChain;
            if (table->findChain(base) == nullptr) {
                return NftablesResult::failure("nftables base chain '" + base + "' not found in " +
                                               where(family));
            }
            const auto& rules = table->rules();
            bool jumps = std::any_of(rules.begin(), rules.end(), [&](const auto& r) {
                return r.chain == base && r.jumpTarget == chain;
            });
            if (!jumps) {
                return NftablesResult::failure("nftables base chain '" + base + "' in " +
                                               where(family) + " has no jump to '" + chain + "'");
            }
        }
    }
    return success();
}

std::string NftablesManager::elementCommands(const char* verb,
                                             const std::vector<uint16_t>& ports) const {
    std::string list;
    for (size_t i = 0; i < ports.size(); ++i) {
        list += (i == 0 ? "" : ", ") + std::to_string(ports[i]);
    }
    std::string c;
    for (const std::string& family : settings_.families) {
        c += std::string(verb) + " element " + family + " " +
             std::string(NftablesSettings::tableName) + " " + settings_.portSet() + " { " + list +
             " }\n";
    }
    return c;
}

std::optional<size_t> NftablesManager::setSize(const std::string& family) {
    auto listed =
        nft_.listWithElements("list set " + family + " " +
                              std::string(NftablesSettings::tableName) + " " + settings_.portSet());
    if (!listed.ok) {
        return std::nullopt;
    }
    return NftablesTable::setElementCount(listed.text);
}

Result<std::string> NftablesManager::repair() {
    if (!active()) {
        return std::string();
    }
    // Read before looking: whatever changes while we look shows as another generation next
    // time. Without it (an old kernel, a failed query) every call looks.
    std::optional<uint32_t> generation;
    {
        std::lock_guard lock(mutex_);
        if (auto current = generation_.current()) {
            generation = *current;
        }
        if (generation && verifiedGeneration_ == *generation) {
            return std::string();
        }
        ++inspections_;
    }
    if (auto missing = status(); !missing) {
        if (auto redone = setup(); !redone) {
            return Result<std::string>::failure(missing.error() +
                                                "; setting up again failed: " + redone.error());
        }
        return missing.error() + ": chain, rules and set set up again";
    }
    std::lock_guard lock(mutex_);
    std::vector<uint16_t> inUse;
    for (size_t port = 0; port < refs_.size(); ++port) {
        if (refs_[port] != 0) {
            inUse.push_back(static_cast<uint16_t>(port));
        }
    }
    for (const std::string& family : settings_.families) {
        auto size = setSize(family);
        if (!size) {
            return Result<std::string>::failure("cannot list nftables set '" + settings_.portSet() +
                                                "' in " + where(family));
        }
        if (*size >= inUse.size()) {
            continue;
        }
        // `add element` keeps the elements that are there: one batch puts back the rest.
        verifiedGeneration_.reset();
        auto out = nft_.run(elementCommands("add", inUse));
        if (!out.ok) {
            return Result<std::string>::failure("cannot refill nftables set '" +
                                                settings_.portSet() + "': " + out.error);
        }
        return "nftables set '" + settings_.portSet() + "' in " + where(family) + " held " +
               std::to_string(*size) + " of the " + std::to_string(inUse.size()) +
               " ports in use: refilled";
    }
    if (generation) {
        verifiedGeneration_ = *generation;
    }
    return std::string();
}

uint64_t NftablesManager::inspections() const {
    std::lock_guard lock(mutex_);
    return inspections_;
}

NftablesContext::Output NftablesManager::runOwnElements(const std::string& commands) {
    if (!verifiedGeneration_) {
        return nft_.run(commands);
    }
    // Our own transaction moves the generation by one (a failed one not at all), and the
    // verified state moves along. Anyone else's commit in between, or a query that fails,
    // and repair() looks again.
    auto before = generation_.current();
    auto out = nft_.run(commands);
    auto after = generation_.current();
    const bool onlyOurs = before && after && *before == *verifiedGeneration_ &&
                          (*after == *before || (out.ok && *after == *before + 1));
    if (onlyOurs) {
        verifiedGeneration_ = *after;
    } else {
        verifiedGeneration_.reset();
    }
    return out;
}

NftablesResult NftablesManager::addPorts(std::span<const uint16_t> ports) {
    std::lock_guard lock(mutex_);
    std::vector<uint16_t> fresh;
    for (uint16_t port : ports) {
        if (refs_[port]++ == 0) {
            fresh.push_back(port);
        }
    }
    if (!active_ || fresh.empty()) {
        return success();
    }
    auto out = runOwnElements(elementCommands("add", fresh));
    if (!out.ok) {
        return NftablesResult::failure("cannot add media ports to nftables set '" +
                                       settings_.portSet() + "': " + out.error);
    }
    return success();
}

NftablesResult NftablesManager::removePorts(std::span<const uint16_t> ports) {
    std::lock_guard lock(mutex_);
    std::vector<uint16_t> gone;
    for (uint16_t port : ports) {
        // An unbalanced remove must not wrap the count and close someone else's pinhole.
        if (refs_[port] != 0 && --refs_[port] == 0) {
            gone.push_back(port);
        }
    }
    if (!active_ || gone.empty()) {
        return success();
    }
    auto out = runOwnElements(elementCommands("delete", gone));
    if (out.ok) {
        return success();
    }
    // One missing element (someone flushed the set) fails the whole batch: the rest must
    // still close.
    return removeOneByOne(gone);
}

NftablesResult NftablesManager::removeOneByOne(const std::vector<uint16_t>& ports) {
    verifiedGeneration_.reset();  // the set lost elements without us: repair() looks
    NftablesResult result = success();
    for (uint16_t port : ports) {
        for (const std::string& family : settings_.families) {
            auto out = nft_.run("delete element " + family + " " +
                                std::string(NftablesSettings::tableName) + " " +
                                settings_.portSet() + " { " + std::to_string(port) + " }\n");
            if (!out.ok && !isMissing(out.error) && result) {
                result = NftablesResult::failure("cannot remove media port " +
                                                 std::to_string(port) + " from nftables set '" +
                                                 settings_.portSet() + "': " + out.error);
            }
        }
    }
    return result;
}

}  // namespace rtprelay::kernel
