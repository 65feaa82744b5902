#include "kernel/NetlinkQuery.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>

namespace rtprelay::kernel {

namespace {

std::atomic<uint32_t> nextSequence{1};

}  // namespace

Result<> NetlinkQuery::run(nlmsghdr& request, const std::string& what, const Visitor& visit,
                           bool* notFound, int protocol) {
    NetlinkQuery query(protocol);
    return query.ask(request, what, visit, notFound);
}

NetlinkQuery::NetlinkQuery(int protocol) : protocol_(protocol) {
    fd_ = open();
}

NetlinkQuery::~NetlinkQuery() {
    if (fd_ >= 0) {
        close(fd_);
    }
}

int NetlinkQuery::open() {
    int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol_);
    if (fd < 0) {
        return -1;
    }
    timeval timeout{kTimeoutMs / 1000, (kTimeoutMs % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    // Strict checking makes the kernel filter dumps by the header's fields where it can
    // (RTM_GETNEIGH by ifindex); older kernels ignore it.
    int one = 1;
    setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
    return fd;
}

Result<> NetlinkQuery::ask(nlmsghdr& request, const std::string& what, const Visitor& visit,
                           bool* notFound) {
    auto failure = [&](const std::string& why) { return Result<>::failure(what + ": " + why); };
    if (notFound) {
        *notFound = false;
    }
    if (fd_ < 0 && (fd_ = open()) < 0) {
        return failure(std::string("netlink socket: ") + std::strerror(errno));
    }

    const uint32_t sequence = nextSequence.fetch_add(1, std::memory_order_relaxed);
    request.nlmsg_seq = sequence;
    const bool dump = (request.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (sendto(fd_, &request, request.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof(kernel)) < 0) {
        return failure(std::strerror(errno));
    }

    // Not zeroed: a dump is read many times a minute, and recv() fills what is read.
    constexpr size_t bufferBytes = 65536;
    auto buffer = std::make_unique_for_overwrite<char[]>(bufferBytes);
    size_t total = 0;
    for (;;) {
        ssize_t received = recv(fd_, buffer.get(), bufferBytes, MSG_TRUNC);
        if (received < 0) {
            if (errno == EINTR) {
                continue;
            }
            return failure(errno == EAGAIN ? std::string("no answer within ") +
                                                 std::to_string(kTimeoutMs) + " ms"
                                           : std::string(std::strerror(errno)));
        }
        if (static_cast<size_t>(received) > bufferBytes) {
            return failure("answer larger than " + std::to_string(bufferBytes) + " bytes");
        }
        total += static_cast<size_t>(received);
        if (total > kMaxAnswerBytes) {
            return failure("answer larger than " + std::to_string(kMaxAnswerBytes) + " bytes");
        }
        auto remaining = static_cast<unsigned int>(received);
        bool answered = false;
        for (const auto* message = reinterpret_cast<const nlmsghdr*>(buffer.get());
             NLMSG_OK(message, remaining); message = next(message, remaining)) {
            if (message->nlmsg_seq != sequence) {
                continue;  // not ours (a late answer to nothing we asked)
            }
            if (message->nlmsg_type == NLMSG_DONE) {
                return success();
            }
            if (message->nlmsg_type == NLMSG_ERROR) {
                if (message->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
                    return failure("truncated error answer");
                }
                int error = -static_cast<const nlmsgerr*>(NLMSG_DATA(message))->error;
                if (error == 0) {
                    return success();  // an acknowledgement
                }
                if (notFound && (error == ENOENT || error == ENODEV)) {
                    *notFound = true;
                    return success();
                }
                return failure(std::strerror(error));
            }
            visit(*message);
            answered = true;
        }
        if (answered && !dump) {
            return success();
        }
    }
}

}  // namespace rtprelay::kernel
