#pragma once
// The one-shot diagnostic (Yu et al., ICLR 2020): how well a trained
// supernet ranks architectures. N constraint-meeting archs of the run's
// space are drawn (seeded by the run's seed), each scored with the
// supernet's weights (fitness `supernet`: inherited, BatchNorm re-estimated,
// validation top-1) and, with `standalone`, trained from scratch with the
// run's final-training settings (test top-1); the result is the Kendall tau
// between the two. Results go to <run>/rank_check.jsonl as they come, and
// the trainings to <run>/rank_check/<i>/, so a killed check resumes.
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
  std::string device = "cpu";
  int threads = 0;  ///< 0: the run's
};

struct RankCheckEntry {
  Genotype genotype;
  double inherited = 0;              ///< validation top-1 with the supernet's weights
  std::optional<double> standalone;  ///< test top-1 trained from scratch
  double params = 0;
};

struct RankCheckResult {
  std::vector<RankCheckEntry> entries;
  std::optional<double> kendall_tau;  ///< inherited vs standalone, with `standalone`
  bool interrupted = false;
  json to_json() const;
};

/// Throws InputError (exit 2) for a run that is not a supernet search or has
/// no checkpoint, and for more archs than the constraints let through.
RankCheckResult run_rank_check(const RankCheckRequest& request);
std::string format_rank_check(const RankCheckResult& r);

}  // namespace hwnas
