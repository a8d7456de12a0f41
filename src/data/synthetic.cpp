#include <algorithm>
#include <random>

#include "hwnas/data/readers.h"

namespace hwnas {

// Class k: stripes of orientation k % 4 (horizontal, vertical, two diagonals)
// and period 2 + (k / 4) % 4 with a random phase, on noise. Local texture, not
// position, tells the classes apart, so conv + global-pool nets can learn it.
ImageSet make_synthetic(Shape shape, int num_classes, std::int64_t count, std::uint64_t seed) {
  ImageSet s;
  s.name = "synthetic";
  s.shape = shape;
  s.num_classes = num_classes;
  s.pixels.resize(count * shape.numel());
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> noise(0, 60), cls(0, num_classes - 1), phase(0, 15);
  for (std::int64_t i = 0; i < count; ++i) {
    const int k = cls(rng);
    s.labels.push_back(k);
    const int orient = k % 4, period = 2 + (k / 4) % 4, ph = phase(rng);
    const int level = 140 + 40 * ((k / 16) % 3);
    std::uint8_t* img = s.pixels.data() + i * shape.numel();
    for (int c = 0; c < shape.c; ++c)
      for (int y = 0; y < shape.h; ++y)
        for (int x = 0; x < shape.w; ++x) {
          const int t = orient == 0 ? y : orient == 1 ? x : orient == 2 ? x + y : x - y + shape.h;
          const bool on = ((t + ph) / period) % 2 == 0;
          img[(std::int64_t(c) * shape.h + y) * shape.w + x] =
              std::uint8_t(noise(rng) + (on ? level : 0));
        }
  }
  return s;
}

}  // namespace hwnas
