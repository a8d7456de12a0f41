#pragma once
// The meta-controller of strategy `growth` (EAS, Cai et al. 2018): layer
// tokens -> embedding (16) -> one bidirectional LSTM layer (50 per
// direction). The Net2Wider actor is one sigmoid per layer; the Net2Deeper
// actor is an LSTM decoder that points at the layer to follow and then
// picks the kernel. Trained by REINFORCE with a moving-average baseline and
// an entropy bonus (Adam). The `random` controller takes the same actions
// uniformly: the baseline it must beat.
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hwnas/search/growth_options.h"

namespace hwnas {

/// What a controller sees of a net: a token per layer and where each action
/// may act (masks).
struct GrowthView {
  std::vector<std::int64_t> tokens;
  std::vector<bool> can_widen, can_deepen;
};

/// One sampled action with its log-probability and entropy (scalars; zero
/// for the random controller).
struct GrowthAction {
  std::vector<int> widen;  ///< layers to widen (a Net2Wider action)
  int after = -1;          ///< the layer a new one follows (a Net2Deeper action)
  int kernel = 0;          ///< index into the options' kernels
  torch::Tensor log_prob, entropy;
};

class GrowthController {
 public:
  virtual ~GrowthController() = default;
  /// Draws from torch's global generator (the caller seeds it per child).
  virtual GrowthAction widen(const GrowthView& v) = 0;
  virtual GrowthAction deepen(const GrowthView& v) = 0;
  /// One REINFORCE step over an episode's children: each child's summed
  /// log-probability and entropy, and its reward.
  virtual void update(const std::vector<torch::Tensor>& log_probs,
                      const std::vector<torch::Tensor>& entropies,
                      const std::vector<double>& rewards) = 0;
  /// Parameters, optimizer and baseline, atomically; load reads them back.
  virtual void save(const std::string& path) = 0;
  virtual void load(const std::string& path) = 0;
};

/// Tokens per layer: (op, width among `widths` or other, kernel among
/// `kernels` or other).
std::int64_t growth_vocabulary(const GrowthOptions& o);
std::int64_t growth_token(const GrowthOptions& o, const Layer& layer, int width);

/// A controller whose initial parameters come from `seed` (so a run resumed
/// before its first checkpoint starts from the same policy).
std::unique_ptr<GrowthController> make_growth_controller(const GrowthOptions& o,
                                                         std::uint64_t seed);

}  // namespace hwnas
