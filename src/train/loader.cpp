#include "hwnas/train/loader.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <numeric>
#include <random>

#include "hwnas/common/error.h"
#include "hwnas/data/image_view.h"

namespace hwnas {

namespace {
constexpr std::size_t kPrefetch = 2;

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a + 0x9e3779b97f4a7c15ULL * (b + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// f(0..n-1) on up to `threads` threads; the first exception is rethrown.
void parallel_for(std::int64_t n, int threads, const std::function<void(std::int64_t)>& f) {
  const int t = int(std::clamp<std::int64_t>(threads, 1, n));
  if (t <= 1) {
    for (std::int64_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<std::int64_t> next{0};
  std::exception_ptr error;
  std::mutex mu;
  std::vector<std::thread> pool;
  for (int k = 0; k < t; ++k)
    pool.emplace_back([&] {
      try {
        for (std::int64_t i; (i = next++) < n;) f(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
        next = n;
      }
    });
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}
}  // namespace

BatchLoader::BatchLoader(const ImageSet& data, LoaderOptions opt)
    : data_(data), opt_(std::move(opt)) {
  HWNAS_ASSERT(int(opt_.mean.size()) == data.shape.c && int(opt_.std.size()) == data.shape.c,
               "loader needs one mean and std per channel");
  HWNAS_ASSERT(data.size() > 0, "loader over an empty set");
}

BatchLoader::~BatchLoader() {
  stop();
}

std::int64_t BatchLoader::batches_per_epoch() const {
  const std::int64_t n = data_.size();
  const std::int64_t global = std::int64_t(opt_.batch) * opt_.world;
  return opt_.drop_last ? std::max<std::int64_t>(1, n / global) : (n + global - 1) / global;
}

std::vector<std::int64_t> BatchLoader::order(std::int64_t epoch) const {
  std::vector<std::int64_t> idx(data_.size());
  std::iota(idx.begin(), idx.end(), 0);
  if (opt_.shuffle) {
    std::mt19937_64 rng(mix(opt_.seed, std::uint64_t(epoch)));
    std::shuffle(idx.begin(), idx.end(), rng);
  }
  return idx;
}

Batch BatchLoader::make(std::int64_t epoch, std::int64_t index) const {
  const auto idx = order(epoch);
  const std::int64_t n = data_.size();
  // This rank's slice of global batch `index` (batch x world images).
  const std::int64_t begin =
      (index * opt_.world + opt_.rank) * std::int64_t(opt_.batch) % std::max<std::int64_t>(n, 1);
  const std::int64_t size = std::min<std::int64_t>(opt_.batch, n - begin);
  const Shape s = data_.shape;
  const std::int64_t plane = std::int64_t(s.h) * s.w;
  auto x = torch::empty({size, s.c, s.h, s.w}, torch::kFloat32);
  auto y = torch::empty({size}, torch::kInt64);
  float* xp = x.data_ptr<float>();
  std::int64_t* yp = y.data_ptr<std::int64_t>();
  // Every image's augmentation comes from its own seed (epoch, place in the
  // epoch's order): the same whatever the threads, batch size or ranks.
  const std::uint64_t epoch_seed = mix(mix(opt_.seed, std::uint64_t(epoch)), 0x51ed27);
  std::vector<float> scale(s.c), shift(s.c);
  for (int c = 0; c < s.c; ++c) {
    scale[c] = float(1.0 / (255.0 * opt_.std[c]));
    shift[c] = float(-opt_.mean[c] / opt_.std[c]);
  }
  // A streamed set's images are decoded into `views` first, in parallel;
  // each image's crop comes from its own seed, so threads change nothing.
  std::vector<std::uint8_t> views;
  if (data_.streamed()) {
    views.resize(std::size_t(size * data_.image_bytes()));
    ViewOptions vo;
    vo.train = opt_.train_views;
    vo.flip = opt_.flip;
    vo.min_crop_scale = data_.min_crop_scale;
    parallel_for(size, data_.decode_threads, [&](std::int64_t b) {
      std::mt19937_64 image_rng(mix(epoch_seed ^ 0x9e3779b97f4a7c15ULL, std::uint64_t(begin + b)));
      decode_view(data_.files[idx[begin + b]], s, vo, image_rng,
                  views.data() + b * data_.image_bytes());
    });
  }
  for (std::int64_t b = 0; b < size; ++b) {
    const std::int64_t src = idx[begin + b];
    const std::uint8_t* img = data_.streamed() ? views.data() + b * data_.image_bytes()
                                               : data_.pixels.data() + src * data_.image_bytes();
    yp[b] = data_.labels[src];
    std::mt19937_64 rng(mix(epoch_seed, std::uint64_t(begin + b)));
    int dy = 0, dx = 0, cy = -1, cx = -1;
    bool flip = false;
    if (opt_.crop_pad > 0 && !data_.streamed()) {
      std::uniform_int_distribution<int> d(-opt_.crop_pad, opt_.crop_pad);
      dy = d(rng), dx = d(rng);
    }
    if (opt_.flip && !data_.streamed()) flip = std::bernoulli_distribution(0.5)(rng);
    if (opt_.cutout > 0) {
      cy = std::uniform_int_distribution<int>(0, s.h - 1)(rng);
      cx = std::uniform_int_distribution<int>(0, s.w - 1)(rng);
    }
    float* out = xp + b * s.c * plane;
    for (int c = 0; c < s.c; ++c)
      for (int yy = 0; yy < s.h; ++yy)
        for (int xx = 0; xx < s.w; ++xx) {
          // Crop = shift with zero padding (zero in normalised space: the mean).
          const int sy = yy + dy, sx0 = xx + dx, sx = flip ? s.w - 1 - sx0 : sx0;
          const bool inside = sy >= 0 && sy < s.h && sx0 >= 0 && sx0 < s.w;
          const bool cut =
              cy >= 0 && std::abs(yy - cy) * 2 < opt_.cutout && std::abs(xx - cx) * 2 < opt_.cutout;
          float v = 0.f;
          if (inside && !cut) v = float(img[c * plane + sy * s.w + sx]) * scale[c] + shift[c];
          out[c * plane + yy * s.w + xx] = v;
        }
  }
  return {x, y, epoch, index};
}

void BatchLoader::produce(std::int64_t epoch, std::int64_t index) {
  const std::int64_t per_epoch = batches_per_epoch();
  try {
    while (true) {
      Batch b = make(epoch, index);
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || queue_.size() < kPrefetch; });
      if (stop_) return;
      queue_.push_back(std::move(b));
      cv_.notify_all();
      if (++index == per_epoch) index = 0, ++epoch;
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = std::current_exception();
    cv_.notify_all();
  }
}

void BatchLoader::start(std::int64_t epoch, std::int64_t index) {
  stop();
  stop_ = false;
  queue_.clear();
  error_ = nullptr;
  worker_ = std::thread([this, epoch, index] { produce(epoch, index); });
}

Batch BatchLoader::next() {
  HWNAS_ASSERT(worker_.joinable(), "BatchLoader::next() before start()");
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !queue_.empty() || error_; });
  if (error_) std::rethrow_exception(error_);
  Batch b = std::move(queue_.front());
  queue_.pop_front();
  cv_.notify_all();
  return b;
}

void BatchLoader::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (worker_.joinable()) worker_.join();
}

}  // namespace hwnas
