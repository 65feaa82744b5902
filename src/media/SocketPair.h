#pragma once

#include <cstdint>
#include <memory>

#include "media/LocalInterface.h"

namespace rtprelay::media {

// The bound UDP sockets of one media stream on one side of a call: RTP on an even port and
// RTCP on the next (closed when RTCP is muxed). Ports go back to the pool on destruction.
class SocketPair {
public:
    enum class Failure { portsExhausted, fileLimit };
    // Takes a free pair from the address's pool and binds both sockets; ports that another
    // process holds are skipped. nullptr when the range is exhausted or no socket can be
    // created (open file limit); `failure` then says which.
    static std::unique_ptr<SocketPair> open(std::shared_ptr<LocalAddress> address, int tos,
                                            Failure* failure = nullptr);
    ~SocketPair();
    SocketPair(const SocketPair&) = delete;
    SocketPair& operator=(const SocketPair&) = delete;

    const LocalAddress& address() const { return *address_; }
    std::shared_ptr<LocalAddress> addressPtr() const { return address_; }
    uint16_t rtpPort() const { return port_; }
    uint16_t rtcpPort() const { return static_cast<uint16_t>(port_ + 1); }
    int rtpFd() const { return rtpFd_; }
    int rtcpFd() const { return rtcpFd_; }
    bool rtcpOpen() const { return rtcpFd_ >= 0; }
    // rtcp-mux: RTCP travels on the RTP port; the RTCP socket is closed (its port stays
    // reserved with the pair so a later demux can reopen it).
    void closeRtcp();
    // 0 once the RTCP socket is open again, or -errno of the failed socket() or bind().
    int reopenRtcp();

private:
    SocketPair(std::shared_ptr<LocalAddress> address, uint16_t port, int rtpFd, int rtcpFd,
               int tos);

    std::shared_ptr<LocalAddress> address_;
    uint16_t port_;
    int rtpFd_;
    int rtcpFd_;
    int tos_;
};

}  // namespace rtprelay::media
