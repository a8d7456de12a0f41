#pragma once
// The torch side of a registered component: its maker by type name. The
// type's options were read and validated by an OptionsRegistry before any
// work, so an unknown type here is a bug (a type registered on one side only).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/common/error.h"

namespace hwnas {

template <class Product, class Arg>
class FactoryRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Product>(const Arg&)>;

  void add(const std::string& type, Factory f) {
    HWNAS_ASSERT(!factories_.count(type), "'" + type + "' registered twice");
    factories_[type] = std::move(f);
  }
  std::unique_ptr<Product> make(const std::string& type, const Arg& arg) const {
    auto it = factories_.find(type);
    HWNAS_ASSERT(it != factories_.end(), "'" + type + "' has options but no runner registered");
    return it->second(arg);
  }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& [t, f] : factories_) out.push_back(t);
    return out;
  }

 private:
  std::map<std::string, Factory> factories_;
};

}  // namespace hwnas
