#include "kernel/NftablesTable.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace rtprelay::kernel {

namespace {

using nlohmann::json;

std::string stringAt(const json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Walks a rule's expression tree: verdicts are {"jump": {"target": C}} or {"goto": ...},
// set lookups appear as the string "@name" wherever an operand may be.
void scanExpression(const json& node, NftablesTable::Rule& rule) {
    if (node.is_string()) {
        const auto& s = node.get_ref<const std::string&>();
        if (s.size() > 1 && s[0] == '@') {
            rule.setRefs.push_back(s.substr(1));
        }
        return;
    }
    if (node.is_object()) {
        for (const char* verdict : {"jump", "goto"}) {
            auto it = node.find(verdict);
            if (it != node.end() && it->is_object()) {
                rule.jumpTarget = stringAt(*it, "target");
            }
        }
    }
    if (node.is_object() || node.is_array()) {
        for (const auto& child : node) {
            scanExpression(child, rule);
        }
    }
}

// The "nftables" array of libnftables' JSON output, or nothing when `text` is not such output.
std::optional<json> nftablesItems(std::string_view text) {
    json document = json::parse(text.begin(), text.end(), nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
        return std::nullopt;
    }
    auto items = document.find("nftables");
    if (items == document.end() || !items->is_array()) {
        return std::nullopt;
    }
    return std::move(*items);
}

}  // namespace

std::optional<size_t> NftablesTable::setElementCount(std::string_view text) {
    auto items = nftablesItems(text);
    if (!items) {
        return std::nullopt;
    }
    for (const json& item : *items) {
        if (!item.is_object()) {
            continue;
        }
        auto set = item.find("set");
        if (set == item.end() || !set->is_object()) {
            continue;
        }
        auto elements = set->find("elem");
        if (elements == set->end()) {
            return size_t{0};
        }
        return elements->is_array() ? std::optional<size_t>(elements->size()) : std::nullopt;
    }
    return std::nullopt;
}

std::optional<NftablesTable> NftablesTable::parse(std::string_view text) {
    auto items = nftablesItems(text);
    if (!items) {
        return std::nullopt;
    }
    NftablesTable table;
    for (const json& item : *items) {
        if (!item.is_object()) {
            continue;
        }
        if (auto chain = item.find("chain"); chain != item.end() && chain->is_object()) {
            table.chains_.push_back({stringAt(*chain, "name"), stringAt(*chain, "hook"),
                                     stringAt(*chain, "policy"), stringAt(*chain, "comment")});
        } else if (auto rule = item.find("rule"); rule != item.end() && rule->is_object()) {
            Rule r;
            r.chain = stringAt(*rule, "chain");
            r.comment = stringAt(*rule, "comment");
            if (auto handle = rule->find("handle");
                handle != rule->end() && handle->is_number_unsigned()) {
                r.handle = handle->get<uint64_t>();
            }
            if (auto expr = rule->find("expr"); expr != rule->end()) {
                scanExpression(*expr, r);
            }
            table.rules_.push_back(std::move(r));
        } else if (auto set = item.find("set"); set != item.end() && set->is_object()) {
            table.sets_.push_back(stringAt(*set, "name"));
        } else if (auto t = item.find("table"); t != item.end() && t->is_object()) {
            table.tables_.push_back(stringAt(*t, "name"));
            table.tableComment_ = stringAt(*t, "comment");
        } else if (!item.contains("metainfo")) {
            ++table.otherObjects_;
        }
    }
    return table;
}

void NftablesTable::addCommentsFromListing(std::string_view text) {
    // Table level statements are indented by one tab, a chain's by two:
    //   table ip filter {
    //   \tcomment "..."
    //   \tchain INPUT {
    //   \t\tcomment "..."
    auto quoted = [](std::string_view line, std::string_view prefix) -> std::optional<std::string> {
        if (line.size() < prefix.size() + 1 || line.substr(0, prefix.size()) != prefix ||
            line.back() != '"') {
            return std::nullopt;
        }
        return std::string(line.substr(prefix.size(), line.size() - prefix.size() - 1));
    };
    Chain* current = nullptr;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        if (line.size() > 1 && line[0] == '\t' && line[1] != '\t') {
            current = nullptr;
            if (auto comment = quoted(line, "\tcomment \"")) {
                tableComment_ = *comment;
            } else if (line.substr(0, 7) == "\tchain " && line.back() == '{') {
                std::string_view name = line.substr(7, line.size() - 9);
                auto it = std::find_if(chains_.begin(), chains_.end(),
                                       [&](const Chain& c) { return c.name == name; });
                current = it != chains_.end() ? &*it : nullptr;
            }
        } else if (current != nullptr) {
            if (auto comment = quoted(line, "\t\tcomment \"")) {
                current->comment = *comment;
            }
        }
    }
}

const NftablesTable::Chain* NftablesTable::findChain(std::string_view name) const {
    auto it = std::find_if(chains_.begin(), chains_.end(),
                           [&](const Chain& c) { return c.name == name; });
    return it != chains_.end() ? &*it : nullptr;
}

bool NftablesTable::hasSet(std::string_view name) const {
    return std::find(sets_.begin(), sets_.end(), name) != sets_.end();
}

const NftablesTable::Rule* NftablesTable::findRule(std::string_view chain,
                                                   std::string_view comment) const {
    auto it = std::find_if(rules_.begin(), rules_.end(),
                           [&](const Rule& r) { return r.chain == chain && r.comment == comment; });
    return it != rules_.end() ? &*it : nullptr;
}

}  // namespace rtprelay::kernel
