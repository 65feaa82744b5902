#include "sdp/Origin.h"

#include <algorithm>

namespace rtprelay::sdp {

bool Origin::incrementVersion() {
    if (sessionVersion.empty() || !std::all_of(sessionVersion.begin(), sessionVersion.end(),
                                               [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    for (auto it = sessionVersion.rbegin(); it != sessionVersion.rend(); ++it) {
        if (*it != '9') {
            ++*it;
            return true;
        }
        *it = '0';
    }
    sessionVersion.insert(sessionVersion.begin(), '1');
    return true;
}

}  // namespace rtprelay::sdp
