#pragma once
// The one training loop of hwnas. Every trainer runs on it: `hwnas train`,
// a search's retrain, a fitness provider's short training, the supernet's
// weight steps. It owns what they share: batches from (seed, epoch, index),
// the lr schedule, gradient clipping, bf16 autocast on CUDA, checkpoints at
// a cadence and at every epoch end (model, optimizer, step, torch's
// generator, and whatever the hooks add), SIGINT/SIGTERM (checkpoint, then
// report interrupted), progress logging and events.jsonl. Hooks add what
// differs: the forward pass (a supernet samples a path), work after each
// weight step (the architecture step), fields of the progress events, work
// at each epoch end. Gradients and logged metrics are reduced through a
// Communicator.
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "hwnas/common/run_dir.h"
#include "hwnas/config/run_config.h"
#include "hwnas/data/image_set.h"
#include "hwnas/train/communicator.h"

namespace hwnas {

struct EngineOptions {
  TrainConfig cfg;
  torch::Device device = torch::kCPU;  ///< the model must already be on it
  std::uint64_t seed = 0;
  bool resume = false;  ///< continue from the run's checkpoint
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
  /// Progress lines at info level (false: debug, for many short trainings).
  bool verbose = true;
  /// Reduces gradients and metrics; with several ranks, each trains on its
  /// slice of every global batch (cfg.batch images per rank). Default: one process.
  Communicator* comm = nullptr;
  /// Several ranks: compare the ranks' parameters (and hooks.sync_state)
  /// every N steps and at each epoch end, and stop with an error when they
  /// differ (0: never). Default: 100.
  std::int64_t sync_check_every = 100;
};

/// A run's options for training with `cfg`: the data's augmentation, the
/// run's seed and device; everything else at its default.
EngineOptions engine_options(const TrainConfig& cfg, const DataOptions& data, std::uint64_t seed,
                             const torch::Device& device);

/// What a trainer adds to the loop. Only `forward` is required.
struct EngineHooks {
  /// The training forward pass: logits of `x` at `step` (of `epoch`).
  std::function<torch::Tensor(const torch::Tensor& x, std::int64_t step, int epoch)> forward;
  /// After each weight step (before the step counter advances).
  std::function<void(std::int64_t step, int epoch)> after_step;
  /// Adds fields to a progress event and text to its log line; the hook
  /// resets its own window.
  std::function<void(json& event, std::string& line, std::int64_t step)> on_log;
  /// At each epoch end, before the epoch's checkpoint (`step` is done).
  std::function<void(std::int64_t step, int epoch)> on_epoch_end;
  /// Evaluation on EngineOptions::val after each epoch: {top1, loss}.
  std::function<std::pair<double, double>(const ImageSet& val)> evaluate;
  /// What the hooks keep in a checkpoint beside the model and optimizer.
  std::function<void(torch::serialize::OutputArchive&)> save;
  std::function<void(torch::serialize::InputArchive&)> load;
  /// Several ranks: what must be the same on every rank besides the
  /// parameters, compared with them (the supernet: the last sampled path).
  std::function<std::string()> sync_state;
  /// After a resume, before the first step: drop records past `step`.
  std::function<void(std::int64_t step)> on_resume;
};

struct EngineResult {
  bool interrupted = false;
  std::int64_t steps = 0;
  double seconds = 0;
  double final_train_loss = 0;
};

/// Trains `params` of `model` on `train` (normalised by `norm`) for
/// opt.cfg.epochs. With `run` (may be null: no checkpoints, no events)
/// checkpoints go to run/checkpoints/last.ckpt and events to
/// run/events.jsonl; a resumed run continues bit-for-bit.
EngineResult run_engine(torch::nn::Module& model, const std::vector<torch::Tensor>& params,
                        const ImageSet& train, const ChannelStats& norm, const EngineOptions& opt,
                        const EngineHooks& hooks, const RunDir* run);

/// lr at `step` (steps_per_epoch converts epochs).
double lr_at(const TrainConfig& cfg, std::int64_t step, std::int64_t steps_per_epoch);

/// The config's optimizer over `params` in two groups: weights (decayed) and
/// BN/bias vectors (never decayed).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::vector<torch::Tensor>& params,
                                                        const OptimizerConfig& o);

/// Sets the gradients of `params` to undefined, so optimizers skip the
/// ones the next backward pass does not reach (unsampled candidates).
void clear_grads(const std::vector<torch::Tensor>& params);

}  // namespace hwnas
