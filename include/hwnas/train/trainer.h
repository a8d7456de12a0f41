#pragma once
// Training an ArchNet on the engine (train/engine.h), and what surrounds a
// training: evaluation, BatchNorm re-estimation, the device.
#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "hwnas/common/run_dir.h"
#include "hwnas/common/stop.h"
#include "hwnas/config/run_config.h"
#include "hwnas/data/datasets.h"
#include "hwnas/nn/network.h"
#include "hwnas/train/engine.h"

namespace hwnas {

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

/// Sets libtorch's intra-op threads (0: all cores); returns the number set.
int set_threads(int threads);

/// "cpu" or "cuda[:N]"; throws InputError when CUDA is asked for and absent.
torch::Device parse_device(const std::string& name);

using TrainOptions = EngineOptions;
using TrainResult = EngineResult;

/// Trains `net` on data.train with the engine (per-epoch evaluation on
/// opt.val when given), checkpoints and events in `run`.
TrainResult train_network(ArchNet& net, const Datasets& data, const TrainOptions& opt,
                          const RunDir& run);

}  // namespace hwnas
