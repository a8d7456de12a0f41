#pragma once
// An accelerator design space (strategy `coexplore`): a heterogeneous design
// file (configs/accel/*.yaml) in which any scalar parameter of a
// sub-accelerator may be a list of values to choose from, and `mapping:
// search` lets each task choose its sub-accelerator. A design drawn from it
// is the file with every list replaced by the chosen value: a valid design
// file that `hwnas accel` prices alone. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/accel/accelerator.h"
#include "hwnas/common/document.h"

namespace hwnas::accel {

/// One searched parameter: `dla.pes` (a sub's parameter) or `mapping[1]`.
struct DesignChoice {
  std::string key;
  std::string pointer;  ///< JSON pointer of the value in the space file
  std::vector<json> options;
  int sub = -1;   ///< the sub-accelerator it belongs to (-1: a mapping entry)
  int task = -1;  ///< the task it maps (mapping entries)
};

struct DesignSpace {
  Document doc;  ///< the space file as written
  std::string name;
  std::vector<std::string> subs;  ///< sub-accelerator names, in order
  std::vector<DesignChoice> choices;
  int tasks = 0;  ///< tasks the mapping maps
  std::int64_t budget_pes = 0;
  double budget_offchip_bw = 0;

  /// The options of each choice, in order (a controller's step sizes).
  std::vector<int> sizes() const;
  /// The design file of `choice` (one option index per choice), as JSON.
  json design_json(const std::vector<int>& choice) const;
  /// That design read back; its cross-field checks (design_violation())
  /// are the caller's: a drawn design over the budget is infeasible, not an error.
  AccelDesign design(const std::vector<int>& choice) const;
  /// The number of designs, as a double (may be huge).
  double size() const;
};

/// Reads a design space. `tasks`: how many tasks the search maps (a fixed
/// mapping must have one entry per task). Every option of every list is
/// checked as a design file's value would be; a budget smaller than the sum
/// of the subs' smallest PE or bandwidth options is refused. Throws
/// InputError naming file:line:col.
DesignSpace load_design_space(const std::string& path, int tasks);

}  // namespace hwnas::accel
