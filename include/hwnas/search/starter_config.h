#pragma once
// A commented starter run config for a strategy, a space and a kind of cost
// model (`hwnas init`), which `hwnas search --dry-run` accepts as it is.
#include <string>

namespace hwnas {

struct StarterRequest {
  std::string strategy, space;
  std::string cost = "flops";  ///< flops | lut | lut-calibrated | measured | accelerator | table
  std::string table, column;   ///< cost `table`: whole-network measurements and their column
};

/// The config's YAML text. Throws InputError (exit 2) for an unknown
/// strategy, space or cost type, and for a combination a search would
/// refuse (the draft goes through the same checks as a run's config).
std::string starter_config(const StarterRequest& request);

}  // namespace hwnas
