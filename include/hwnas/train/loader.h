#pragma once
// Batches of normalised, augmented images, prepared on a background thread.
// A batch depends only on (seed, epoch, index), so a resumed run sees the
// same batches as an uninterrupted one, whatever the threading.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <torch/torch.h>

#include "hwnas/data/image_set.h"

namespace hwnas {

struct LoaderOptions {
  int batch = 64;
  bool shuffle = true;    ///< a new seeded permutation each epoch
  bool drop_last = true;  ///< training: only full batches
  int crop_pad = 0, cutout = 0;
  bool flip = false;
  /// Streamed sets: training views (random-resized crops, flipped when
  /// `flip`) instead of centre crops. Crop padding does not apply to them.
  bool train_views = false;
  std::uint64_t seed = 0;
  /// Several processes: batch `index` is this rank's `batch` images of a
  /// global batch of batch x world (training only: drop_last).
  int rank = 0, world = 1;
  std::vector<double> mean, std;  ///< per channel, on pixels scaled to [0, 1]
};

struct Batch {
  torch::Tensor x, y;  ///< float [B, C, H, W], int64 [B]
  std::int64_t epoch = 0, index = 0;
};

class BatchLoader {
 public:
  BatchLoader(const ImageSet& data, LoaderOptions opt);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  std::int64_t batches_per_epoch() const;
  /// (Re)starts production at batch `index` of `epoch`.
  void start(std::int64_t epoch, std::int64_t index);
  /// The next batch; after the last batch of an epoch comes batch 0 of the next.
  Batch next();
  /// Builds one batch directly (no thread): evaluation and tests.
  Batch make(std::int64_t epoch, std::int64_t index) const;

 private:
  void stop();
  void produce(std::int64_t epoch, std::int64_t index);
  std::vector<std::int64_t> order(std::int64_t epoch) const;

  const ImageSet& data_;
  LoaderOptions opt_;
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace hwnas
