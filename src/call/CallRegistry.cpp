#include "call/CallRegistry.h"

namespace rtprelay::call {

std::string_view teardownName(Teardown reason) {
    switch (reason) {
        case Teardown::regular:
            return "REGULAR";
        case Teardown::timeout:
            return "TIMEOUT";
        case Teardown::silentTimeout:
            return "SILENT_TIMEOUT";
        case Teardown::offerTimeout:
            return "OFFER_TIMEOUT";
        case Teardown::finalTimeout:
            return "FINAL_TIMEOUT";
        case Teardown::forced:
            return "FORCED";
    }
    return "UNKNOWN";
}

Call* CallRegistry::find(const std::string& callId) {
    auto it = calls_.find(callId);
    return it == calls_.end() ? nullptr : it->second.get();
}

Call& CallRegistry::create(const std::string& callId) {
    auto [it, inserted] = calls_.emplace(callId, std::make_unique<Call>(callId, nextKey_++));
    Call& call = *it->second;
    if (inserted) {
        call.schedule_ = &schedule_;
        call.scheduleIndex_ = schedule_.add(&call);
    }
    return call;
}

void CallRegistry::destroy(const std::string& callId, Teardown reason) {
    if (calls_.erase(callId)) {
        ++managed_;
        ++closed_[static_cast<size_t>(reason)];
    }
}

void CallRegistry::discard(const std::string& callId) {
    calls_.erase(callId);
}

std::vector<std::string> CallRegistry::callIds(size_t limit) const {
    std::vector<std::string> out;
    for (const auto& [id, call] : calls_) {
        if (out.size() >= limit) {
            break;
        }
        out.push_back(id);
    }
    return out;
}

}  // namespace rtprelay::call
