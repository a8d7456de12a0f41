#include "hwnas/profile/protocol.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>

#include "hwnas/common/statistics.h"

namespace hwnas {

namespace {
double time_once(const std::function<void()>& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void run_round(const std::vector<std::function<void()>>& items,
               const std::vector<std::size_t>& which, const ProtocolOptions& opt,
               std::mt19937_64& rng, Samples& samples,
               std::vector<std::vector<double>>& round_min) {
  std::vector<std::size_t> order = which;
  std::shuffle(order.begin(), order.end(), rng);
  for (std::size_t i : order) {
    for (int w = 0; w < opt.warmup; ++w) items[i]();
    double best = 1e300;
    for (int r = 0; r < opt.reps; ++r) {
      double t = time_once(items[i]);
      samples[i].push_back(t);
      best = std::min(best, t);
    }
    round_min[i].push_back(best);
  }
}
}  // namespace

double ProtocolOptions::statistic_percentile() const {
  if (statistic == "min") return 0;
  if (statistic == "p25") return 25;
  if (statistic == "median") return 50;
  return 10;
}

Measurement summarize(const std::vector<double>& s, const ProtocolOptions& opt) {
  Measurement m;
  m.value_ms = percentile(s, opt.statistic_percentile());
  m.p50_ms = median(s);
  m.spread = m.value_ms > 0 ? m.p50_ms / m.value_ms - 1 : 0;
  m.repeats = std::int64_t(s.size());
  return m;
}

std::vector<Measurement> measure_interleaved(
    const std::vector<std::function<void()>>& items, const ProtocolOptions& opt, Samples& samples,
    int rounds_done, const std::function<bool(int, const Samples&)>& on_round) {
  samples.resize(items.size());
  std::vector<std::vector<double>> round_min(items.size());
  std::vector<std::size_t> all(items.size());
  std::iota(all.begin(), all.end(), 0);
  std::mt19937_64 rng(opt.seed + std::uint64_t(rounds_done) * 7919);
  for (int r = rounds_done; r < opt.rounds; ++r) {
    run_round(items, all, opt, rng, samples, round_min);
    if (!on_round(r + 1, samples)) return {};
  }
  // Items whose round minima disagree were hit by drift or bursts: measure
  // them again, interleaved among themselves, to add samples from other times.
  std::vector<std::size_t> unstable;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& m = round_min[i];
    if (m.size() >= 2 && *std::max_element(m.begin(), m.end()) >
                             opt.unstable * *std::min_element(m.begin(), m.end()))
      unstable.push_back(i);
  }
  for (int r = 0; r < opt.extra_rounds && !unstable.empty(); ++r) {
    run_round(items, unstable, opt, rng, samples, round_min);
    if (!on_round(opt.rounds + r + 1, samples)) return {};
  }
  std::vector<Measurement> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    out.push_back(summarize(samples[i], opt));
    out.back().unstable = std::find(unstable.begin(), unstable.end(), i) != unstable.end();
  }
  return out;
}

double measure_naive(const std::function<void()>& item, int runs) {
  item();
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) t.push_back(time_once(item));
  return median(t);
}

}  // namespace hwnas
