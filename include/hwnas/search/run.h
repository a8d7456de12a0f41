#pragma once
// The run pipeline every strategy goes through:
//   prepare (config -> space, priced models, constraints, options; torch-free)
//   -> strategy (checkpoints/strategy.json holds its state)
//   -> pick the final arch (constrained derivation from the strategy's
//      scores, or its best-ranked candidate that meets every constraint)
//      -> best.arch.json (+ supernet_child.weights when the search learnt weights)
//   -> final training (retrain/ from scratch with `retrain:`; or the inherited
//      weights with BatchNorm re-estimated; or, with neither, `train:` from scratch)
//   -> test -> summary.md, the `done` event and the result.
// A run directory resumes at whichever stage was interrupted.
#include <string>
#include <vector>

#include "hwnas/common/document.h"
#include "hwnas/ir/arch.h"
#include "hwnas/setup/run_setup.h"

namespace hwnas {

struct SearchRequest {
  std::string config;  ///< a run config (fresh run)
  std::string resume;  ///< or the run directory to continue
  std::string out;     ///< run directory. Default: <config out>/<name>.
  std::string device = "cpu";
  bool dry_run = false;    ///< prepare only: nothing is trained or written
  int threads = 0;         ///< 0: the config's
  std::int64_t seed = -1;  ///< < 0: the config's
};

struct SearchResult {
  std::string run_dir;
  json dry_run;  ///< set by a dry run: dry_run_report()
  bool interrupted = false;
  std::string stage;  ///< interrupted: "search" or "retrain"
  std::string arch_name, arch_path, weights;
  Genotype genotype;
  double test_top1 = 0, test_top5 = 0;
  bool retrained = false;
  double macs = 0, params = 0, seconds = 0;
  json costs;   ///< {model: {metric: value}} of the picked arch
  json search;  ///< the strategy's own summary
  int threads = 0;
  /// The `--json` object of `hwnas search` (DESIGN's keys and more).
  json to_json() const;
};

/// The setup of the run config at `path` with every cost model hwnas has
/// (torch-measured ones included); `threads` > 0 and `seed` >= 0 override
/// the config's.
RunSetup prepare_config_file(const std::string& path, int threads = 0, std::int64_t seed = -1);

/// Runs (or resumes) a search. Throws ConfigError/InputError (exit 2) for
/// anything wrong with the inputs, before the run directory exists.
SearchResult run_search(const SearchRequest& request);

/// The dry run: the resolved config, the space's size, each model's cost
/// range, the constraints and the run directory a search would use.
json dry_run_report(const RunSetup& setup, const std::string& run_dir);
std::string format_dry_run(const json& report);

/// Every registered strategy and fitness provider with its description
/// and options (defaults filled in).
json list_strategies();
std::string format_strategy_list(const json& list);

}  // namespace hwnas
