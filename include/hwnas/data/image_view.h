#pragma once
// Streamed images: one file decoded when a batch needs it and cut to the
// network's input, so a folder of any size and image shape trains in
// bounded memory. Torch-free.
#include <cstdint>
#include <random>
#include <string>

#include "hwnas/ir/layer.h"

namespace hwnas {

/// How a streamed image becomes an input.
struct ViewOptions {
  /// Training: a random crop of [min_crop_scale, 1] of the image's area with
  /// aspect ratio in [3/4, 4/3] (Inception's, torchvision's
  /// RandomResizedCrop), resized to the input, mirrored half the time when
  /// `flip`. Evaluation (`train` false): the centre crop that a resize of
  /// the shorter side to input / 0.875 would leave (the ImageNet protocol).
  bool train = false;
  double min_crop_scale = 0.08;
  bool flip = false;
};

/// The image's channels, height and width from its header; InputError
/// naming the file when it cannot be read or is over 8192 pixels a side.
Shape image_header(const std::string& file);

/// Decodes `file` (PNG, JPEG, BMP) as `shape.c` channels (grey is repeated,
/// colour turned to grey by luminance when the input has one channel) and writes its
/// view, CHW bytes, into `dst` (shape.numel() bytes). `rng` draws the
/// training crop. Throws as image_header does.
void decode_view(const std::string& file, const Shape& shape, const ViewOptions& opt,
                 std::mt19937_64& rng, std::uint8_t* dst);

}  // namespace hwnas
