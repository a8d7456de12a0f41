#pragma once
// A controller over a fixed sequence of categorical decisions, as NAS with
// reinforcement learning (Zoph & Le 2017) and NASAIC (Yang et al. 2020) use:
// an LSTM cell reads the embedding of the previous decision, a head per step
// gives the next decision's logits. Trained by search/reinforce.h. The
// `random` controller draws every decision uniformly: the baseline to beat.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hwnas/search/reinforce.h"

namespace hwnas {

/// One draw: a choice per step, with the summed log-probability and entropy
/// (zero for the random controller).
struct SequenceSample {
  std::vector<int> choices;
  torch::Tensor log_prob, entropy;
};

class SequenceController {
 public:
  virtual ~SequenceController() = default;
  /// Draws from torch's global generator (the caller seeds it per sample).
  virtual SequenceSample sample() = 0;
  virtual void update(const std::vector<torch::Tensor>& log_probs,
                      const std::vector<torch::Tensor>& entropies,
                      const std::vector<double>& rewards) = 0;
  virtual void save(const std::string& path) = 0;
  virtual void load(const std::string& path) = 0;
};

/// `kind`: reinforce | random; `sizes`: the number of options of each step
/// (each >= 1). Initial parameters come from `seed`.
std::unique_ptr<SequenceController> make_sequence_controller(const std::string& kind,
                                                             const std::vector<int>& sizes,
                                                             const ReinforceSettings& settings,
                                                             std::uint64_t seed);

}  // namespace hwnas
