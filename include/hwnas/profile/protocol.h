#pragma once
// The measurement protocol for a noisy shared machine: many short timed
// repetitions, spread over rounds whose order is shuffled so drift hits every
// item alike; items whose round minima disagree get extra rounds; the
// statistic is a low percentile of all samples, the spread is recorded.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hwnas {

struct ProtocolOptions {
  int rounds = 8;          ///< passes over all items. Default: 8.
  int reps = 20;           ///< timed runs per item per round. Default: 20.
  int warmup = 3;          ///< untimed runs per item per round. Default: 3.
  double unstable = 1.15;  ///< round minima max/min above this -> extra rounds. Default: 1.15.
  int extra_rounds = 6;    ///< at most this many extra rounds for unstable items. Default: 6.
  std::string statistic = "p10";  ///< min | p10 | p25 | median. Default: p10.
  std::uint64_t seed = 0;

  double statistic_percentile() const;
};

struct Measurement {
  double value_ms = 0;  ///< the statistic over all samples
  double p50_ms = 0;
  double spread = 0;  ///< p50 / value - 1
  std::int64_t repeats = 0;
  bool unstable = false;  ///< needed extra rounds
};

/// Per item, the samples (ms) gathered so far; a resumed run passes them in.
using Samples = std::vector<std::vector<double>>;

/// Runs the protocol over `items` (each runs one inference). `samples` may
/// hold earlier rounds (resume); `rounds_done` says how many. After every
/// round `on_round(round, samples)` is called (for progress and partial
/// saves); returning false stops early (interrupted) and the function
/// returns an empty vector.
std::vector<Measurement> measure_interleaved(
    const std::vector<std::function<void()>>& items, const ProtocolOptions& opt, Samples& samples,
    int rounds_done, const std::function<bool(int, const Samples&)>& on_round);

/// Summary of one item's samples with the protocol's statistic.
Measurement summarize(const std::vector<double>& samples, const ProtocolOptions& opt);

/// The naive protocol, for comparison: plain median of `runs` consecutive runs.
double measure_naive(const std::function<void()>& item, int runs);

}  // namespace hwnas
