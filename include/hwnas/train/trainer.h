#pragma once
// Trains an ArchNet with a TrainConfig: optimizer with no decay on BN and
// biases, per-step lr schedule, label smoothing, gradient clipping, atomic
// checkpoints that a resumed run continues bit-for-bit (same threads), and
// SIGINT/SIGTERM handling (checkpoint, then report interrupted).
#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "hwnas/common/run_dir.h"
#include "hwnas/common/stop.h"
#include "hwnas/config/run_config.h"
#include "hwnas/data/datasets.h"
#include "hwnas/nn/network.h"

namespace hwnas {

/// lr at `step` of `total_steps` (steps_per_epoch converts epochs).
double lr_at(const TrainConfig& cfg, std::int64_t step, std::int64_t steps_per_epoch);

/// The config's optimizer over `params` in two groups: weights (decayed) and
/// BN/bias vectors (never decayed).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::vector<torch::Tensor>& params,
                                                        const OptimizerConfig& o);

struct EvalResult {
  double top1 = 0, top5 = 0, loss = 0, images_per_s = 0;
  std::int64_t images = 0;
};
/// Accuracy and mean cross-entropy over `set`, in eval mode; the top-1 class
/// of every image, in set order, into `predictions` when given.
EvalResult evaluate(ArchNet& net, const ImageSet& set, const ChannelStats& norm, int batch = 256,
                    std::vector<std::int64_t>* predictions = nullptr);

/// Re-estimates every BatchNorm's running statistics from `batches` batches
/// of `set` (train-mode forward, no gradients, cumulative averages): weights
/// inherited from a supernet carry statistics of a mixture of paths.
void recalibrate_batchnorm(ArchNet& net, const ImageSet& set, const ChannelStats& norm,
                           int batches = 50, int batch = 128);

/// "cpu" or "cuda[:N]"; throws InputError when CUDA is asked for and absent.
torch::Device parse_device(const std::string& name);

struct TrainOptions {
  TrainConfig cfg;
  torch::Device device = torch::kCPU;  ///< the net must already be on it
  std::uint64_t seed = 0;
  bool resume = false;  ///< continue from run_dir's checkpoint
  /// Checkpoint every N steps (and at every epoch end). Default: 500.
  std::int64_t checkpoint_every = 500;
  /// Log a progress line and an event every N steps. Default: 50.
  std::int64_t log_every = 50;
  /// Stop (with a checkpoint, as on SIGINT) once this many steps are done; 0: never.
  std::int64_t stop_after = 0;
  /// Augmentation (DataConfig's crop_pad, flip, cutout).
  int crop_pad = 0, cutout = 0;
  bool flip = false;
  /// Evaluate on this set after each epoch (empty: no per-epoch evaluation).
  const ImageSet* val = nullptr;
};

struct TrainResult {
  bool interrupted = false;
  std::int64_t steps = 0;
  double seconds = 0;
  double final_train_loss = 0;
};

TrainResult train_network(ArchNet& net, const Datasets& data, const TrainOptions& opt,
                          const RunDir& run);

}  // namespace hwnas
