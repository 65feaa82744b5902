#include "sdp/Connection.h"

namespace rtprelay::sdp {

Connection Connection::fromIp(const net::IpAddress& ip) {
    Connection c;
    c.addrType = std::string(ip.sdpFamily());
    c.address = ip.toString();
    return c;
}

std::optional<net::IpAddress> Connection::ipAddress() const {
    return net::IpAddress::parse(address);
}

std::string Connection::toString() const {
    std::string out;
    out.reserve(netType.size() + addrType.size() + address.size() + suffix.size() + 2);
    out.append(netType).append(" ").append(addrType).append(" ").append(address).append(suffix);
    return out;
}

}  // namespace rtprelay::sdp
