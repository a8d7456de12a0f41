#pragma once
// Labelled images in memory, read from the formats users have: IDX
// (Fashion-MNIST, MNIST), CIFAR binary batches, NumPy .npy, image folders,
// and a synthetic set. Torch-free: the training side turns them into tensors.
#include <cstdint>
#include <string>
#include <vector>

#include "hwnas/ir/layer.h"

namespace hwnas {

struct ImageSet {
  std::string name;
  Shape shape;  ///< per image: channels, height, width
  int num_classes = 0;
  std::vector<std::uint8_t> pixels;  ///< size() * c*h*w bytes, each image CHW
  std::vector<std::int32_t> labels;  ///< in [0, num_classes)
  /// A streamed set (`data.stream`): one file per image, decoded when a
  /// batch needs it and cut to `shape` (image_view.h); `pixels` stays empty.
  std::vector<std::string> files;
  double min_crop_scale = 0.08;  ///< streamed training views' smallest area share
  int decode_threads = 2;        ///< threads decoding a streamed batch

  std::int64_t size() const { return std::int64_t(labels.size()); }
  bool streamed() const { return !files.empty(); }
  std::int64_t image_bytes() const { return shape.numel(); }
  /// The images at `indices`, in that order.
  ImageSet subset(const std::vector<std::int64_t>& indices) const;
};

/// Per-channel mean and std of the pixels scaled to [0, 1]; of a streamed
/// set, over the evaluation views of up to 512 images spread over it.
struct ChannelStats {
  std::vector<double> mean, std;
};
ChannelStats channel_stats(const ImageSet& set);

/// Seeded, stratified: every class keeps its share. `limit` > 0 first keeps
/// at most that many images (stratified too); then `val_fraction` of them
/// go to the second set.
struct TrainVal {
  ImageSet train, val;
};
TrainVal split_train_val(const ImageSet& set, double val_fraction, std::int64_t limit,
                         std::uint64_t seed);
/// Stratified subset of at most `limit` images (all when limit <= 0 or >= size).
ImageSet stratified_limit(const ImageSet& set, std::int64_t limit, std::uint64_t seed);

}  // namespace hwnas
