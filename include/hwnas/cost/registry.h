#pragma once
// Cost models made by type name (`type:` in a config), listed on error.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/common/document.h"
#include "hwnas/cost/cost_model.h"
#include "hwnas/space/space.h"

namespace hwnas {

class CostModelRegistry {
 public:
  /// Reads the model's options from `f` (all keys but `type`) and builds it.
  using Factory = std::function<std::unique_ptr<CostModel>(Fields& f)>;

  /// A model that needs the run's space (to read genotypes), e.g. `table`.
  using SpaceFactory = std::function<std::unique_ptr<CostModel>(Fields& f, const Space& space)>;

  void add(const std::string& type, std::string description, Factory factory);
  void add_space_aware(const std::string& type, std::string description, SpaceFactory factory);
  /// Builds the model `type` names; an unknown type lists the known ones. A
  /// space-aware model without `space` is an InputError at `type`.
  std::unique_ptr<CostModel> make(const Value& type, Fields& options,
                                  const Space* space = nullptr) const;
  std::vector<std::string> types() const;
  const std::string& description(const std::string& type) const;

 private:
  struct Entry {
    std::string description;
    Factory factory;
    SpaceFactory space_factory;
  };
  std::map<std::string, Entry> entries_;
};

/// "<table without .json>.calib.json": where a table's calibration lives.
std::string default_calibration_path(const std::string& table);

/// The torch-free models: `flops`, `lut`, `lut-calibrated`, `table`. (Torch-side parts add
/// `measured`.)
void register_builtin_cost_models(CostModelRegistry& r);

}  // namespace hwnas
