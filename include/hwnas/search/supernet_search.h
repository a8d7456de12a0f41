#pragma once
// Supernet search (ProxylessNAS, FBNet) on the training engine: its weight
// steps (SGD on the train split, one sampled path, or FBNet's soft mixture)
// with an architecture step (Adam on the validation split) after each, past
// the weight-only warm-up epochs, with the cost loss and constraint
// penalties of the config.
// All sampling draws from generators seeded by (seed, step), so every rank of
// a distributed run samples the same paths and a resumed search continues
// bit-for-bit.
#include <functional>
#include <string>
#include <vector>

#include "hwnas/common/run_dir.h"
#include "hwnas/data/datasets.h"
#include "hwnas/search/supernet.h"
#include "hwnas/search/supernet_options.h"
#include "hwnas/setup/run_setup.h"
#include "hwnas/train/engine.h"

namespace hwnas {

/// A differentiable expected cost: fixed + sum_p <w_p, cost_p> over one
/// CostTable metric.
class ExpectedCost {
 public:
  ExpectedCost(const CostTable& table, Metric metric);
  torch::Tensor operator()(const std::vector<torch::Tensor>& weights) const;

 private:
  double fixed_;
  std::vector<torch::Tensor> per_position_;
};

/// The architecture step's loss: CE with the hardware term of the config's
/// loss form, plus constraint penalties.
class SearchLoss {
 public:
  explicit SearchLoss(const RunSetup& setup);
  struct Terms {
    torch::Tensor total, ce;
    double expected_latency_ms = 0;  ///< NaN without a latency model
    double penalty = 0;
  };
  Terms operator()(const torch::Tensor& logits, const torch::Tensor& y,
                   const std::vector<torch::Tensor>& weights) const;
  bool has_latency() const { return latency_.has_value(); }

 private:
  CostLossOptions opt_;
  double penalty_weight_;
  double reference_ms_ = 1;
  std::optional<ExpectedCost> latency_;
  struct Bound {
    ExpectedCost cost;
    std::optional<double> max, min;
  };
  std::vector<Bound> bounds_;
};

struct SearchRunOptions {
  torch::Device device = torch::kCPU;
  bool resume = false;
  std::int64_t checkpoint_every = 500;  ///< and at every epoch end. Default: 500.
  std::int64_t log_every = 50;          ///< Default: 50.
  std::int64_t stop_after = 0;          ///< stop (checkpointed) after this many steps; 0: never
  Communicator* comm = nullptr;         ///< Default: one process.
  std::function<void()> on_checkpoint;  ///< after each checkpoint is written
};

struct SearchOutcome {
  bool interrupted = false;
  std::int64_t steps = 0;
  double seconds = 0;
  std::vector<std::vector<double>> probs;  ///< final per-position distributions
};

/// One weight or architecture step's sampling, by strategy and mode.
class PathSampler {
 public:
  explicit PathSampler(const SupernetOptions& o, std::uint64_t seed) : opt_(o), seed_(seed) {}
  /// The gates of a weight step (no architecture gradient).
  std::vector<PathGate> weight_gates(Supernet& net, std::int64_t step, int epoch) const;
  /// The gates of an architecture step, and the weights w the expected costs
  /// use (ProxylessNAS: softmax over all candidates; FBNet: Gumbel-softmax).
  /// `pairs` receives the sampled pair per position in `two` mode.
  std::vector<PathGate> arch_gates(Supernet& net, std::int64_t step, int epoch,
                                   std::vector<torch::Tensor>& cost_weights,
                                   std::vector<std::vector<int>>& pairs) const;
  double temperature(int epoch) const;

 private:
  SupernetOptions opt_;
  std::uint64_t seed_;
};

/// One architecture step: with the weights frozen (no weight gradients),
/// `loss()` (the gated forward and its loss) is backpropagated into the
/// logits, `opt` steps them, and the pairs sampled in `two` mode (empty
/// entries otherwise) are rescaled. With several ranks, each computes the
/// loss on its slice of the validation batch and the logits' gradients are
/// averaged over `comm` before the step.
void architecture_step(Supernet& net, const std::vector<torch::Tensor>& weights,
                       torch::optim::Optimizer& opt, const std::vector<std::vector<int>>& pairs,
                       const std::function<torch::Tensor()>& loss,
                       Communicator& comm = local_communicator());

/// After an Adam step in `two` mode: shifts the two updated logits of each
/// position so that the probability mass of the unsampled ones is unchanged.
void rescale_pairs(Supernet& net, const std::vector<std::vector<int>>& pairs,
                   const std::vector<std::vector<double>>& old_logits);

/// Throws InputError (naming the config) unless both splits hold a batch.
void check_search_splits(const RunSetup& setup, const Datasets& data);

SearchOutcome run_supernet_search(Supernet& net, const RunSetup& setup, const Datasets& data,
                                  const SearchRunOptions& opt, const RunDir& run);

/// Entropy (nats) of each distribution.
std::vector<double> entropies(const std::vector<std::vector<double>>& probs);

}  // namespace hwnas
