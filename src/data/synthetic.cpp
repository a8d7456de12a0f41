#include <algorithm>
#include <random>

#include "hwnas/data/readers.h"

namespace hwnas {

ImageSet make_synthetic(Shape shape, int num_classes, std::int64_t count, std::uint64_t seed) {
  ImageSet s;
  s.name = "synthetic";
  s.shape = shape;
  s.num_classes = num_classes;
  s.pixels.resize(count * shape.numel());
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> noise(0, 80), jitter(-1, 1), cls(0, num_classes - 1);
  const int side = std::max(2, std::min(shape.h, shape.w) / 4);
  const int grid = std::max(1, std::min(shape.h, shape.w) / side);
  for (std::int64_t i = 0; i < count; ++i) {
    int k = cls(rng);
    s.labels.push_back(k);
    std::uint8_t* img = s.pixels.data() + i * shape.numel();
    for (std::int64_t p = 0; p < shape.numel(); ++p) img[p] = std::uint8_t(noise(rng));
    // Class k: a bright square in cell k of a grid (wrapping), brighter on odd classes.
    int cell = k % (grid * grid);
    int y0 = std::clamp((cell / grid) * side + jitter(rng), 0, shape.h - side);
    int x0 = std::clamp((cell % grid) * side + jitter(rng), 0, shape.w - side);
    std::uint8_t value = std::uint8_t(k / (grid * grid) % 2 ? 255 : 190);
    for (int c = 0; c < shape.c; ++c)
      for (int y = y0; y < y0 + side; ++y)
        for (int x = x0; x < x0 + side; ++x)
          img[(std::int64_t(c) * shape.h + y) * shape.w + x] = value;
  }
  return s;
}

}  // namespace hwnas
