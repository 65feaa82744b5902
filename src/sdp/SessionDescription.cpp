#include "sdp/SessionDescription.h"

namespace rtprelay::sdp {

const Connection* SessionDescription::effectiveConnection(size_t mediaIndex) const {
    if (mediaIndex >= media.size()) {
        return nullptr;
    }
    if (media[mediaIndex].connection) {
        return &*media[mediaIndex].connection;
    }
    return connection ? &*connection : nullptr;
}

Direction SessionDescription::effectiveDirection(size_t mediaIndex) const {
    if (mediaIndex < media.size() && media[mediaIndex].direction) {
        return *media[mediaIndex].direction;
    }
    return direction.value_or(Direction::sendrecv);
}

const Attribute* SessionDescription::findAttribute(std::string_view name) const {
    for (const auto& attribute : attributes) {
        if (attribute.name == name) {
            return &attribute;
        }
    }
    return nullptr;
}

size_t SessionDescription::removeAttributes(std::string_view name) {
    return std::erase_if(attributes, [&](const Attribute& a) { return a.name == name; });
}

void SessionDescription::removeIce() {
    std::erase_if(attributes, [](const Attribute& a) { return isIceAttributeName(a.name); });
    for (auto& m : media) {
        m.removeIce();
    }
}

}  // namespace rtprelay::sdp
