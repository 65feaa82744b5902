#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/IpAddress.h"
#include "config/Config.h"
#include "media/KernelOffload.h"
#include "media/PortPool.h"

namespace rtprelay::media {

// One local address of a logical interface: sockets bind to `local`, SDP shows `advertised`.
class LocalAddress {
public:
    LocalAddress(std::string interfaceName, net::IpAddress local, net::IpAddress advertised,
                 int portMin, int portMax, const std::set<uint16_t>& excludedPorts);

    const std::string& interfaceName() const { return interfaceName_; }
    const net::IpAddress& local() const { return local_; }
    const net::IpAddress& advertised() const { return advertised_; }
    PortPool& ports() { return ports_; }
    const PortPool& ports() const { return ports_; }
    // Set once at start, before any socket is opened.
    void setObserver(PortObserver* observer) { observer_ = observer; }
    PortObserver* observer() const { return observer_; }

private:
    std::string interfaceName_;
    net::IpAddress local_;
    net::IpAddress advertised_;
    PortPool ports_;
    PortObserver* observer_ = nullptr;
};

// `interface = NAME/ADDR[!ADV]` lines sharing a NAME. The first address of a family is the one
// media of that family uses.
class LogicalInterface {
public:
    explicit LogicalInterface(std::string name) : name_(std::move(name)) {}

    const std::string& name() const { return name_; }
    void add(std::shared_ptr<LocalAddress> address) { addresses_.push_back(std::move(address)); }
    const std::vector<std::shared_ptr<LocalAddress>>& addresses() const { return addresses_; }
    // First address of `family`, else the first address at all.
    const std::shared_ptr<LocalAddress>& addressFor(net::Family family) const;
    bool hasFamily(net::Family family) const;

private:
    std::string name_;
    std::vector<std::shared_ptr<LocalAddress>> addresses_;
};

class InterfaceRegistry {
public:
    // Control ports on the same address are kept out of the media pools.
    InterfaceRegistry(const std::vector<config::InterfaceAddress>& interfaces, int portMin,
                      int portMax, const std::vector<net::Endpoint>& controlEndpoints);

    // By logical name; nullptr when unknown.
    const LogicalInterface* find(const std::string& name) const;
    // The first configured interface: used when a request names none.
    const LogicalInterface& defaultInterface() const { return *interfaces_.front(); }
    const std::vector<std::unique_ptr<LogicalInterface>>& all() const { return interfaces_; }
    void setObserver(PortObserver* observer);

private:
    std::vector<std::unique_ptr<LogicalInterface>> interfaces_;
};

}  // namespace rtprelay::media
