#pragma once
// `hwnas bench supernet`: step time and memory of the supernet's weight step
// (one sampled path per position, or the fixed path --genotype gives), its
// architecture step (`two` mode: the sampled pair, gate gradients, Adam and
// rescaling), and the child network alone, on synthetic data.
#include <optional>
#include <string>

#include "hwnas/space/genotype.h"
#include "hwnas/train/bench.h"

namespace hwnas {

struct SupernetBenchOptions {
  std::string mode = "weight";  ///< weight | arch | child
  /// child: the child (default: each position's first choice); weight: a
  /// fixed path instead of sampled ones.
  std::optional<Genotype> genotype;
  TrainBenchOptions train;  ///< batch, steps, warmup; channels_last on | off
  bool shared = false;      ///< `weights: shared` (sliced MBConv blocks)
};

TrainBenchResult bench_supernet_steps(const Space& space, const SupernetBenchOptions& opt);

}  // namespace hwnas
