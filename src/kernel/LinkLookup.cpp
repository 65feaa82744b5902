#include "kernel/LinkLookup.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>

#include "kernel/NetlinkQuery.h"

namespace rtprelay::kernel {

namespace {

// "veth" inside IFLA_LINKINFO's nested IFLA_INFO_KIND (a string, NUL-terminated or not).
bool isVethKind(const rtattr* linkInfo) {
    auto length = static_cast<unsigned int>(RTA_PAYLOAD(linkInfo));
    for (auto* nested = static_cast<const rtattr*>(RTA_DATA(linkInfo)); RTA_OK(nested, length);
         nested = NetlinkQuery::nextAttribute(nested, length)) {
        if (nested->rta_type != IFLA_INFO_KIND) {
            continue;
        }
        const auto* kind = static_cast<const char*>(RTA_DATA(nested));
        size_t size = RTA_PAYLOAD(nested);
        size_t end = strnlen(kind, size);
        return std::string(kind, end) == "veth";
    }
    return false;
}

}  // namespace

Result<LinkLookup::Link> LinkLookup::parse(const nlmsghdr& message) {
    if (message.nlmsg_type != RTM_NEWLINK) {
        return Result<Link>::failure("not a link message (type " +
                                     std::to_string(message.nlmsg_type) + ")");
    }
    if (message.nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) {
        return Result<Link>::failure("truncated link message");
    }
    const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(&message));
    Link link;
    link.ifindex = info->ifi_index;
    auto length = static_cast<unsigned int>(IFLA_PAYLOAD(&message));
    for (const auto* attribute = IFLA_RTA(info); RTA_OK(attribute, length);
         attribute = NetlinkQuery::nextAttribute(attribute, length)) {
        // Nested attributes may carry NLA_F_NESTED in the type.
        switch (attribute->rta_type & NLA_TYPE_MASK) {
            case IFLA_ADDRESS:
                if (RTA_PAYLOAD(attribute) == link.mac.size()) {
                    std::memcpy(link.mac.data(), RTA_DATA(attribute), link.mac.size());
                    link.hasMac = true;
                }
                break;
            case IFLA_LINKINFO:
                link.veth = isVethKind(attribute);
                break;
            case IFLA_LINK_NETNSID:
                link.peerElsewhere = true;
                break;
            default:
                break;
        }
    }
    return link;
}

Result<LinkLookup::Link> LinkLookup::find(int ifindex) {
    struct {
        nlmsghdr header;
        ifinfomsg info;
    } request{};
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
    request.header.nlmsg_type = RTM_GETLINK;
    request.header.nlmsg_flags = NLM_F_REQUEST;
    request.info.ifi_family = AF_UNSPEC;
    request.info.ifi_index = ifindex;
    const std::string what = "link " + std::to_string(ifindex);
    std::optional<Result<Link>> found;
    bool notFound = false;
    auto r = NetlinkQuery::run(
        request.header, what,
        [&](const nlmsghdr& message) {
            if (!found) {
                found = parse(message);
            }
        },
        &notFound);
    if (!r) {
        return Result<Link>::failure(r.error());
    }
    if (notFound || !found) {
        return Result<Link>::failure(what + ": no such device");
    }
    if (!*found) {
        return Result<Link>::failure(what + ": " + found->error());
    }
    if ((*found)->ifindex != ifindex) {
        return Result<Link>::failure(what + ": the answer is about device " +
                                     std::to_string((*found)->ifindex));
    }
    return **found;
}

}  // namespace rtprelay::kernel
