#pragma once
// Strategy `growth` (EAS, Cai et al. 2018): a trained network grown by
// function-preserving Net2Wider / Net2Deeper steps (nn/net2net.h), each
// child trained on from its parent's weights; a REINFORCE meta-controller
// (or uniformly random steps, the baseline) picks the steps. Every child is
// priced by the run's cost models and the constraints bind.
#include <string>
#include <vector>

#include "hwnas/ir/arch.h"
#include "hwnas/search/strategy_options.h"

namespace hwnas {

struct GrowthOptions : StrategyOptions {
  std::string start_arch;           ///< the start net: an arch JSON file,
  std::vector<int> start_genotype;  ///< or a genotype of the run's space
  Arch start;                       ///< resolved: the start net (the space's input and classes)
  std::string controller = "reinforce";  ///< reinforce | random. Default: reinforce.
  int episodes = 8;                      ///< Default: 8.
  int children = 4;                      ///< children per episode. Default: 4.
  int widen_steps = 1;                   ///< Net2Wider actions per child. Default: 1.
  int deepen_steps = 1;                  ///< Net2Deeper actions per child. Default: 1.
  int epochs = 1;           ///< epochs each child trains from its inherited weights. Default: 1.
  int start_epochs = 3;     ///< epochs the start net trains from scratch. Default: 3.
  std::int64_t images = 0;  ///< train on at most this many split images (0: all). Default: 0.
  std::vector<int> widths = {8, 16, 32, 64, 128};  ///< a widened layer takes the next one up
  std::vector<int> kernels = {1, 3, 5};            ///< kernels of a new identity conv
  double noise = 0.01;           ///< EAS's noise on copied units (fraction of the weights' std)
  double penalty = 1.0;          ///< reward of a child over a bound: -penalty x relative excess
  double lr = 0.001;             ///< the controller's Adam step. Default: 0.001.
  double entropy = 0.01;         ///< entropy bonus weight. Default: 0.01.
  double baseline_decay = 0.95;  ///< of the reward's moving average. Default: 0.95.
  json to_json() const override;
  bool searches_space() const override { return false; }
  /// Loads the start net, checks it against the space (input, classes), the
  /// transformations (at least one applies) and the constraints (it meets
  /// them: growth never shrinks a net), and that every constrained model can
  /// price a grown network (no per-layer table).
  void resolve(const OptionsContext& ctx, const Value& node) override;
};

void register_growth_options(StrategyOptionsRegistry& r);

}  // namespace hwnas
