#include "hwnas/data/image_set.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "hwnas/data/image_view.h"

namespace hwnas {

ImageSet ImageSet::subset(const std::vector<std::int64_t>& idx) const {
  ImageSet out;
  out.name = name;
  out.shape = shape;
  out.num_classes = num_classes;
  out.min_crop_scale = min_crop_scale;
  out.decode_threads = decode_threads;
  if (streamed()) {
    for (std::int64_t i : idx) out.files.push_back(files[i]), out.labels.push_back(labels[i]);
    return out;
  }
  const std::int64_t b = image_bytes();
  out.pixels.resize(idx.size() * b);
  out.labels.reserve(idx.size());
  for (std::size_t i = 0; i < idx.size(); ++i) {
    std::copy_n(pixels.begin() + idx[i] * b, b, out.pixels.begin() + std::int64_t(i) * b);
    out.labels.push_back(labels[idx[i]]);
  }
  return out;
}

namespace {
constexpr std::int64_t kStatsSample = 512;

// Up to kStatsSample evaluation views, spread evenly over the set.
ImageSet decoded_sample(const ImageSet& set) {
  ImageSet out;
  out.shape = set.shape;
  const std::int64_t n = std::min(set.size(), kStatsSample);
  out.pixels.resize(std::size_t(n * set.image_bytes()));
  std::mt19937_64 unused;
  for (std::int64_t k = 0; k < n; ++k) {
    decode_view(set.files[std::size_t(k * set.size() / n)], set.shape, ViewOptions{}, unused,
                out.pixels.data() + k * set.image_bytes());
    out.labels.push_back(0);
  }
  return out;
}
}  // namespace

ChannelStats channel_stats(const ImageSet& set) {
  if (set.streamed()) return channel_stats(decoded_sample(set));
  const int c = set.shape.c;
  const std::int64_t plane = std::int64_t(set.shape.h) * set.shape.w;
  std::vector<double> sum(c, 0), sq(c, 0);
  for (std::int64_t i = 0; i < set.size(); ++i)
    for (int ch = 0; ch < c; ++ch) {
      const std::uint8_t* p = set.pixels.data() + i * set.image_bytes() + ch * plane;
      double s = 0, q = 0;
      for (std::int64_t k = 0; k < plane; ++k) s += p[k], q += double(p[k]) * p[k];
      sum[ch] += s, sq[ch] += q;
    }
  ChannelStats st;
  const double n = double(set.size()) * plane;
  for (int ch = 0; ch < c; ++ch) {
    double mean = sum[ch] / n / 255.0;
    double var = sq[ch] / n / (255.0 * 255.0) - mean * mean;
    st.mean.push_back(mean);
    st.std.push_back(std::sqrt(std::max(var, 1e-12)));
  }
  return st;
}

namespace {
// Indices grouped by class, each group shuffled with `rng`.
std::vector<std::vector<std::int64_t>> by_class(const ImageSet& set, std::mt19937_64& rng) {
  std::vector<std::vector<std::int64_t>> groups(set.num_classes);
  for (std::int64_t i = 0; i < set.size(); ++i) groups[set.labels[i]].push_back(i);
  for (auto& g : groups) std::shuffle(g.begin(), g.end(), rng);
  return groups;
}

// Takes round(share * |group|) from each group (largest remainders fill up to
// `total`), so class proportions are kept.
std::vector<std::vector<std::int64_t>> take_share(
    const std::vector<std::vector<std::int64_t>>& groups, std::int64_t total) {
  std::int64_t n = 0;
  for (const auto& g : groups) n += std::int64_t(g.size());
  std::vector<std::vector<std::int64_t>> out(groups.size());
  if (n == 0) return out;
  std::vector<std::pair<double, std::size_t>> rest;
  std::int64_t taken = 0;
  for (std::size_t k = 0; k < groups.size(); ++k) {
    double exact = double(total) * double(groups[k].size()) / double(n);
    auto whole = std::int64_t(std::floor(exact));
    out[k].assign(groups[k].begin(), groups[k].begin() + whole);
    taken += whole;
    rest.push_back({exact - double(whole), k});
  }
  std::stable_sort(rest.begin(), rest.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (std::size_t r = 0; r < rest.size() && taken < total; ++r) {
    auto k = rest[r].second;
    if (out[k].size() < groups[k].size()) out[k].push_back(groups[k][out[k].size()]), ++taken;
  }
  return out;
}

std::vector<std::int64_t> flatten_sorted(const std::vector<std::vector<std::int64_t>>& groups) {
  std::vector<std::int64_t> out;
  for (const auto& g : groups) out.insert(out.end(), g.begin(), g.end());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

ImageSet stratified_limit(const ImageSet& set, std::int64_t limit, std::uint64_t seed) {
  if (limit <= 0 || limit >= set.size()) return set;
  std::mt19937_64 rng(seed);
  return set.subset(flatten_sorted(take_share(by_class(set, rng), limit)));
}

TrainVal split_train_val(const ImageSet& set, double val_fraction, std::int64_t limit,
                         std::uint64_t seed) {
  ImageSet pool = stratified_limit(set, limit, seed);
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
  auto groups = by_class(pool, rng);
  auto val = take_share(groups, std::int64_t(std::llround(val_fraction * double(pool.size()))));
  std::vector<std::vector<std::int64_t>> train(groups.size());
  for (std::size_t k = 0; k < groups.size(); ++k)
    train[k].assign(groups[k].begin() + std::int64_t(val[k].size()), groups[k].end());
  return {pool.subset(flatten_sorted(train)), pool.subset(flatten_sorted(val))};
}

}  // namespace hwnas
