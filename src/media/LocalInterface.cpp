#include "media/LocalInterface.h"

#include <stdexcept>

namespace rtprelay::media {

LocalAddress::LocalAddress(std::string interfaceName, net::IpAddress local,
                           net::IpAddress advertised, int portMin, int portMax,
                           const std::set<uint16_t>& excludedPorts)
    : interfaceName_(std::move(interfaceName)),
      local_(local),
      advertised_(advertised),
      ports_(portMin, portMax, excludedPorts) {}

const std::shared_ptr<LocalAddress>& LogicalInterface::addressFor(net::Family family) const {
    for (const auto& a : addresses_) {
        if (a->local().family() == family) {
            return a;
        }
    }
    return addresses_.front();
}

bool LogicalInterface::hasFamily(net::Family family) const {
    for (const auto& a : addresses_) {
        if (a->local().family() == family) {
            return true;
        }
    }
    return false;
}

InterfaceRegistry::InterfaceRegistry(const std::vector<config::InterfaceAddress>& interfaces,
                                     int portMin, int portMax,
                                     const std::vector<net::Endpoint>& controlEndpoints) {
    if (interfaces.empty()) {
        throw std::invalid_argument("no interface configured");
    }
    for (const auto& spec : interfaces) {
        std::set<uint16_t> excluded;
        for (const auto& e : controlEndpoints) {
            if (e.address() == spec.local || e.address().isAny()) {
                excluded.insert(e.port());
            }
        }
        LogicalInterface* target = nullptr;
        for (auto& i : interfaces_) {
            if (i->name() == spec.name) {
                target = i.get();
            }
        }
        if (!target) {
            interfaces_.push_back(std::make_unique<LogicalInterface>(spec.name));
            target = interfaces_.back().get();
        }
        target->add(std::make_shared<LocalAddress>(spec.name, spec.local, spec.advertised, portMin,
                                                   portMax, excluded));
    }
}

void InterfaceRegistry::setObserver(PortObserver* observer) {
    for (auto& i : interfaces_) {
        for (auto& a : i->addresses()) {
            a->setObserver(observer);
        }
    }
}

const LogicalInterface* InterfaceRegistry::find(const std::string& name) const {
    for (const auto& i : interfaces_) {
        if (i->name() == name) {
            return i.get();
        }
    }
    return nullptr;
}

}  // namespace rtprelay::media
