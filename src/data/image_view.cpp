#include "hwnas/data/image_view.h"

#include <stb_image.h>
#include <stb_image_resize.h>

#include <cmath>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "hwnas/common/error.h"

namespace hwnas {

namespace {
constexpr int kMaxImageSide = 8192;

struct Region {
  double x0, y0, w, h;  // in source pixels
};

// Inception's crop: ten tries at a random area share and aspect ratio, then
// the whole image.
Region random_resized_crop(int w, int h, double min_scale, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> share(min_scale, 1.0);
  std::uniform_real_distribution<double> log_ratio(std::log(3.0 / 4), std::log(4.0 / 3));
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double area = share(rng) * w * h, ratio = std::exp(log_ratio(rng));
    const double cw = std::round(std::sqrt(area * ratio)), ch = std::round(std::sqrt(area / ratio));
    if (cw < 1 || ch < 1 || cw > w || ch > h) continue;
    const double x0 = std::uniform_int_distribution<int>(0, int(w - cw))(rng);
    const double y0 = std::uniform_int_distribution<int>(0, int(h - ch))(rng);
    return {x0, y0, cw, ch};
  }
  return {0, 0, double(w), double(h)};
}

// The centre crop a resize of the shorter side to input / 0.875 leaves.
Region centre_crop(int w, int h, const Shape& out) {
  const double k = 0.875 * std::min(double(w) / out.w, double(h) / out.h);
  const double cw = out.w * k, ch = out.h * k;
  return {(w - cw) / 2, (h - ch) / 2, cw, ch};
}

}  // namespace

Shape image_header(const std::string& file) {
  int w = 0, h = 0, n = 0;
  if (!stbi_info(file.c_str(), &w, &h, &n))
    throw InputError(file, fmt::format("cannot decode image: {}", stbi_failure_reason()));
  if (w > kMaxImageSide || h > kMaxImageSide)
    throw InputError(
        file, fmt::format("is {}x{} pixels; at most {} a side are allowed", h, w, kMaxImageSide));
  return {n, h, w};
}

void decode_view(const std::string& file, const Shape& shape, const ViewOptions& opt,
                 std::mt19937_64& rng, std::uint8_t* dst) {
  const Shape header = image_header(file);  // refuses a huge image before inflating it
  int w = header.w, h = header.h, n = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> px(stbi_load(file.c_str(), &w, &h, &n, shape.c),
                                                     stbi_image_free);
  if (!px) throw InputError(file, fmt::format("cannot decode image: {}", stbi_failure_reason()));
  const Region r =
      opt.train ? random_resized_crop(w, h, opt.min_crop_scale, rng) : centre_crop(w, h, shape);
  const bool mirror = opt.train && opt.flip && std::bernoulli_distribution(0.5)(rng);
  std::vector<unsigned char> hwc(std::size_t(shape.numel()));
  if (!stbir_resize_region(px.get(), w, h, 0, hwc.data(), shape.w, shape.h, 0, STBIR_TYPE_UINT8,
                           shape.c, STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP, STBIR_EDGE_CLAMP,
                           STBIR_FILTER_DEFAULT, STBIR_FILTER_DEFAULT, STBIR_COLORSPACE_LINEAR,
                           nullptr, float(r.x0 / w), float(r.y0 / h), float((r.x0 + r.w) / w),
                           float((r.y0 + r.h) / h)))
    throw InputError(file, "cannot resize the image");
  const std::size_t plane = std::size_t(shape.h) * shape.w;
  for (int y = 0; y < shape.h; ++y)
    for (int x = 0; x < shape.w; ++x) {
      const int sx = mirror ? shape.w - 1 - x : x;
      for (int c = 0; c < shape.c; ++c)
        dst[c * plane + std::size_t(y) * shape.w + x] =
            hwc[(std::size_t(y) * shape.w + sx) * shape.c + c];
    }
}

}  // namespace hwnas
