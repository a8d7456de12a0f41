#pragma once
// Readers of on-disk datasets. Every malformed file (missing, truncated,
// wrong magic number, label out of range, image/label count mismatch)
// throws InputError naming the file and what is wrong.
#include <string>

#include "hwnas/data/image_set.h"

namespace hwnas {

/// IDX image + label files (gzip-compressed or plain), as MNIST and
/// Fashion-MNIST ship them.
ImageSet read_idx(const std::string& images_path, const std::string& labels_path, int num_classes,
                  const std::string& name);

/// CIFAR-10 (`data_batch_{1..5}.bin`, `test_batch.bin`) or CIFAR-100
/// (`train.bin`, `test.bin`, fine labels) binary files in `dir`.
ImageSet read_cifar(const std::string& dir, int classes, bool train);

/// `<dir>/<split>_x.npy` (uint8 N,C,H,W or N,H,W,C; float32 in [0, 1] is
/// quantised to 8 bits) and `<dir>/<split>_y.npy` (integer labels).
ImageSet read_npy_pair(const std::string& dir, const std::string& split);

/// `<dir>/<split>/<class>/*.png|jpg|jpeg|bmp`, classes in sorted order; every
/// image must have the same size and channel count.
ImageSet read_image_folder(const std::string& dir, const std::string& split);
/// The same folder streamed: paths and labels only (ImageSet::files); images
/// may have any size and are cut to `input` when a batch needs them. Reads
/// the first image's header so a folder of non-images fails at once.
ImageSet list_image_folder(const std::string& dir, const std::string& split, const Shape& input);

/// What a split holds, read from headers and folder listings only (no
/// pixels): the image shape, and the class count where the format fixes it
/// without reading every label (0 otherwise). For checks before a run.
struct SplitShape {
  Shape shape;
  int num_classes = 0;
};
SplitShape peek_idx(const std::string& images_path, const std::string& labels_path,
                    int num_classes);
SplitShape peek_cifar(const std::string& dir, int classes, bool train);
SplitShape peek_npy_pair(const std::string& dir, const std::string& split);
SplitShape peek_image_folder(const std::string& dir, const std::string& split);

/// Seeded synthetic images whose class decides a bright square's position
/// and intensity: learnable in a few hundred steps, for tests and benchmarks.
ImageSet make_synthetic(Shape shape, int num_classes, std::int64_t count, std::uint64_t seed);

}  // namespace hwnas
