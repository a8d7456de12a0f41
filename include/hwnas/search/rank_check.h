#pragma once
// The one-shot diagnostic (Yu et al., ICLR 2020): how well a trained
// supernet ranks architectures. N constraint-meeting archs of the run's
// space are drawn (seeded by the run's seed), each scored with the
// supernet's weights (fitness `supernet`: inherited, BatchNorm re-estimated,
// validation top-1) and, with `standalone`, trained from scratch with the
// run's final-training settings (test top-1), or a shorter schedule
// (`epochs`, `images`), `seeds` times each; the result is the Kendall tau
// between the inherited scores and the stand-alone means. Results go to
// <run>/rank_check.jsonl as they come, and the trainings to
// <run>/rank_check/<i>/<schedule>/seed<S>/, so a killed check resumes and a
// rerun with more seeds or archs trains only what is new.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/common/document.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

struct RankCheckRequest {
  std::string run;  ///< a finished or checkpointed proxyless/fbnet search run directory
  int archs = 10;
  bool standalone = false;
  int epochs = 0;            ///< stand-alone epochs; 0: the run's `retrain:` epochs
  std::int64_t images = -1;  ///< stand-alone training images; -1: the run's retrain_limit
  int seeds = 1;             ///< stand-alone trainings per arch, seeds run seed + 0, 1, ...
  std::string device = "cpu";
  int threads = 0;  ///< 0: the run's
};

struct RankCheckEntry {
  Genotype genotype;
  double inherited = 0;                 ///< validation top-1 with the supernet's weights
  std::optional<double> standalone;     ///< mean test top-1 trained from scratch
  std::vector<double> standalone_runs;  ///< one per seed
  double params = 0;
};

struct RankCheckResult {
  std::vector<RankCheckEntry> entries;
  std::optional<double> kendall_tau;  ///< inherited vs standalone, with `standalone`
  std::string schedule;               ///< the stand-alone schedule, in words
  bool interrupted = false;
  json to_json() const;
};

/// Throws InputError (exit 2) for a run that is not a supernet search or has
/// no checkpoint, and for more archs than the constraints let through.
RankCheckResult run_rank_check(const RankCheckRequest& request);
std::string format_rank_check(const RankCheckResult& r);

}  // namespace hwnas
