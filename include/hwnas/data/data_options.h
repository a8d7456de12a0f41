#pragma once
// What data a run reads: the dataset, its limits and splits, augmentation.
// Plain options, so the data part needs nothing from the config reader.
#include <cstdint>
#include <string>

namespace hwnas {

struct DataOptions {
  /// One of fashion-mnist, mnist, cifar10, cifar100, folder, npy, synthetic.
  std::string dataset = "fashion-mnist";
  /// Folder of the data files. Default: where Debian's dataset package puts
  /// them (fashion-mnist: /usr/share/datasets/fashion-mnist); required for
  /// cifar*, folder and npy.
  std::string path;
  /// Use at most this many training images (0: all). Default: 0.
  std::int64_t train_limit = 0;
  /// Training images of the final training (a search's retrain stage, `hwnas
  /// train`): -1 means train_limit, 0 all. Default: -1.
  std::int64_t retrain_limit = -1;
  /// Fraction of the training images held out for validation (search). Default: 0.2.
  double val_fraction = 0.2;
  /// Evaluate on at most this many test images (0: all). Default: 0.
  std::int64_t test_limit = 0;
  /// Training augmentation: random crop after zero-padding by `crop_pad`
  /// pixels, horizontal flip, cutout of a `cutout`-pixel square.
  /// Defaults: CIFAR 4 / true / 0; others 0 / false / 0.
  int crop_pad = 0;
  bool flip = false;
  int cutout = 0;
  /// folder only: stream the images (decode each when a batch needs it,
  /// random-resized-crop for training, centre crop for evaluation, both to
  /// the network's input) instead of loading them whole. Default: false.
  bool stream = false;
  /// Streamed training crops keep at least this share of the image's area. Default: 0.08.
  double min_crop_scale = 0.08;
  /// Threads decoding a streamed batch. Default: 2.
  int workers = 2;

  /// These options with train_limit = retrain_limit (when set).
  DataOptions for_retrain() const {
    DataOptions d = *this;
    if (retrain_limit >= 0) d.train_limit = retrain_limit;
    return d;
  }
};

}  // namespace hwnas
