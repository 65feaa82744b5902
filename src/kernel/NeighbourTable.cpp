#include "kernel/NeighbourTable.h"

#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include "kernel/NetlinkQuery.h"

namespace rtprelay::kernel {

namespace {

struct Request {
    nlmsghdr header;
    ndmsg neighbour;
    char attributes[RTA_SPACE(16)];
};

Request request(uint16_t flags, int ifindex, unsigned char family) {
    Request r{};
    r.header.nlmsg_len = NLMSG_LENGTH(sizeof(ndmsg));
    r.header.nlmsg_type = RTM_GETNEIGH;
    r.header.nlmsg_flags = flags;
    r.neighbour.ndm_family = family;
    r.neighbour.ndm_ifindex = ifindex;
    return r;
}

}  // namespace

bool NeighbourTable::Entry::usable() const {
    return hasMac &&
           (state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT)) != 0;
}

std::string NeighbourTable::Entry::stateText() const {
    static const std::pair<uint16_t, const char*> names[] = {
        {NUD_INCOMPLETE, "INCOMPLETE"}, {NUD_REACHABLE, "REACHABLE"}, {NUD_STALE, "STALE"},
        {NUD_DELAY, "DELAY"},           {NUD_PROBE, "PROBE"},         {NUD_FAILED, "FAILED"},
        {NUD_NOARP, "NOARP"},           {NUD_PERMANENT, "PERMANENT"}};
    std::string text;
    for (const auto& [bit, name] : names) {
        if (state & bit) {
            text += (text.empty() ? "" : "|") + std::string(name);
        }
    }
    return text.empty() ? "NONE" : text;
}

Result<std::optional<NeighbourTable::Entry>> NeighbourTable::parse(const nlmsghdr& message) {
    using Parsed = Result<std::optional<Entry>>;
    if (message.nlmsg_type != RTM_NEWNEIGH) {
        return Parsed::failure("not a neighbour message (type " +
                               std::to_string(message.nlmsg_type) + ")");
    }
    if (message.nlmsg_len < NLMSG_LENGTH(sizeof(ndmsg))) {
        return Parsed::failure("truncated neighbour message");
    }
    const auto* neighbour = static_cast<const ndmsg*>(NLMSG_DATA(&message));
    if (neighbour->ndm_family != AF_INET && neighbour->ndm_family != AF_INET6) {
        return std::optional<Entry>{};
    }
    const size_t addressLength = neighbour->ndm_family == AF_INET ? 4 : 16;
    Entry entry;
    entry.ifindex = neighbour->ndm_ifindex;
    entry.state = neighbour->ndm_state;
    bool hasAddress = false;
    auto length = static_cast<unsigned int>(RTM_PAYLOAD(&message));
    for (auto* attribute = reinterpret_cast<const rtattr*>(
             reinterpret_cast<const char*>(neighbour) + NLMSG_ALIGN(sizeof(ndmsg)));
         RTA_OK(attribute, length); attribute = NetlinkQuery::nextAttribute(attribute, length)) {
        if (attribute->rta_type == NDA_DST && RTA_PAYLOAD(attribute) == addressLength) {
            if (addressLength == 4) {
                in_addr a{};
                std::memcpy(&a, RTA_DATA(attribute), 4);
                entry.address = net::IpAddress::fromV4(a);
            } else {
                in6_addr a{};
                std::memcpy(&a, RTA_DATA(attribute), 16);
                entry.address = net::IpAddress::fromV6(a);
            }
            hasAddress = true;
        } else if (attribute->rta_type == NDA_LLADDR &&
                   RTA_PAYLOAD(attribute) == entry.mac.size()) {
            std::memcpy(entry.mac.data(), RTA_DATA(attribute), entry.mac.size());
            entry.hasMac = true;
        }
    }
    if (!hasAddress) {
        return Parsed::failure("neighbour message without a destination address");
    }
    return std::optional<Entry>(entry);
}

Result<std::optional<NeighbourTable::Entry>> NeighbourTable::find(int ifindex,
                                                                  const net::IpAddress& address) {
    using Found = Result<std::optional<Entry>>;
    Request r = request(NLM_F_REQUEST, ifindex, address.isV4() ? AF_INET : AF_INET6);
    size_t length = address.isV4() ? 4 : 16;
    auto* attribute =
        reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&r) + NLMSG_ALIGN(r.header.nlmsg_len));
    attribute->rta_type = NDA_DST;
    attribute->rta_len = static_cast<unsigned short>(RTA_LENGTH(length));
    std::memcpy(RTA_DATA(attribute), address.bytes().data(), length);
    r.header.nlmsg_len = NLMSG_ALIGN(r.header.nlmsg_len) + RTA_ALIGN(attribute->rta_len);

    const std::string what =
        "neighbour " + address.toString() + " on device " + std::to_string(ifindex);
    std::optional<Found> found;
    bool notFound = false;
    auto done = NetlinkQuery::run(
        r.header, what,
        [&](const nlmsghdr& message) {
            if (!found) {
                found = parse(message);
            }
        },
        &notFound);
    if (!done) {
        return Found::failure(done.error());
    }
    if (notFound || !found) {
        return std::optional<Entry>{};
    }
    if (!*found) {
        return Found::failure(what + ": " + found->error());
    }
    const auto& entry = **found;
    if (entry && (entry->ifindex != ifindex || !(entry->address == address))) {
        return Found::failure(what + ": the answer is about another entry");
    }
    return entry;
}

Result<std::vector<NeighbourTable::Entry>> NeighbourTable::dump() {
    using Dumped = Result<std::vector<Entry>>;
    Request r = request(NLM_F_REQUEST | NLM_F_DUMP, 0, AF_UNSPEC);
    std::vector<Entry> entries;
    auto done = NetlinkQuery::run(r.header, "neighbour dump", [&](const nlmsghdr& message) {
        // A malformed entry costs only that entry (its next hop counts as unknown).
        if (auto parsed = parse(message); parsed && *parsed) {
            entries.push_back(**parsed);
        }
    });
    if (!done) {
        return Dumped::failure(done.error());
    }
    return entries;
}

}  // namespace rtprelay::kernel
