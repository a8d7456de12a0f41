#pragma once
// One training run from scratch, as `hwnas train` makes it and a search's
// retrain stage makes it in <run>/retrain: the data of the config's final
// training, a run directory (config.yaml, arch.json with the normalisation
// as `preprocess`, events.jsonl, checkpoints/, model.weights, summary.md),
// the test evaluation. Resumable.
#include <string>

#include "hwnas/config/run_config.h"
#include "hwnas/ir/arch.h"
#include "hwnas/train/trainer.h"

namespace hwnas {

struct TrainRunOptions {
  std::string dir;  ///< the run directory (created; or reopened on resume)
  bool resume = false;
  torch::Device device = torch::kCPU;
  int threads = 1;  ///< as set by the caller; recorded in summary.md
  /// Weights the net starts from instead of its initialisation (a
  /// fine-tune); not read on resume, where the checkpoint has them.
  std::string init_weights;
};

struct TrainRunResult {
  bool interrupted = false;
  std::int64_t steps = 0;
  double seconds = 0;
  std::string weights;  ///< <dir>/model.weights
  std::string arch;     ///< <dir>/arch.json
  std::int64_t params = 0;
  EvalResult test;
};

/// Trains `arch` (from scratch, or from opt.init_weights) with cfg.final_training() on
/// cfg.data.for_retrain(). The arch's `preprocess` is used when it has one,
/// else the train set's statistics are written into the run's arch.json.
/// Every input is checked before the run directory is created.
TrainRunResult train_run(Arch arch, const RunConfig& cfg, const TrainRunOptions& opt);

}  // namespace hwnas
