#pragma once
// Components whose options a config names by `type:` (search strategies,
// fitness providers): each type registers a one-line description and a
// strict reader of its options. Torch-free, so `hwnas search --dry-run`
// checks every option without loading torch.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/common/document.h"
#include "hwnas/common/error.h"

namespace hwnas {

/// What `--list-strategies` shows of one registered type.
struct OptionsInfo {
  std::string type, description;
  json defaults;  ///< every option key with its default, `type` included
};

/// `Options` must have a `std::string type` member and `json to_json() const`.
template <class Options>
class OptionsRegistry {
 public:
  /// Reads every key of the mapping but `type` and calls finish().
  using Reader = std::function<std::unique_ptr<Options>(Fields& f)>;

  void add(const std::string& type, std::string description, Reader reader) {
    HWNAS_ASSERT(!entries_.count(type), "OptionsRegistry: '" + type + "' registered twice");
    entries_[type] = {std::move(description), std::move(reader)};
  }

  /// The options `node` (a mapping with `type`) describes; an unknown type
  /// fails at `type` with the registered ones and a "did you mean".
  std::unique_ptr<Options> read(const Value& node) const {
    Fields f = node.as_object();
    const std::string type = f.get_choice("type", types());
    auto options = entries_.at(type).reader(f);
    options->type = type;
    return options;
  }

  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& [t, e] : entries_) out.push_back(t);
    return out;
  }

  /// Every type with its description and defaults (its reader run on `{type: T}`).
  std::vector<OptionsInfo> list() const {
    std::vector<OptionsInfo> out;
    for (const auto& [t, e] : entries_) {
      const Document doc = parse_yaml("{type: " + t + "}", "<defaults>");
      out.push_back({t, e.description, read(Value(doc, doc.root, "", ""))->to_json()});
    }
    return out;
  }

 private:
  struct Entry {
    std::string description;
    Reader reader;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace hwnas
