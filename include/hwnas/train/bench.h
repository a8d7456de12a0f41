#pragma once
// Training-step benchmark: full steps (forward, backward, SGD) on synthetic
// data of the arch's input shape, as `hwnas bench train` reports them.
#include <functional>
#include <string>
#include <vector>

#include "hwnas/ir/arch.h"

namespace hwnas {

struct TrainBenchOptions {
  int batch = 64;
  int steps = 20;                      ///< timed steps. Default: 20.
  int warmup = 5;                      ///< untimed steps first. Default: 5.
  std::string channels_last = "auto";  ///< on | off | auto (time both briefly, keep the faster)
};

struct TrainBenchResult {
  double ms_per_step = 0;  ///< median over the timed steps
  double ms_min = 0, ms_max = 0;
  double images_per_s = 0;   ///< batch / median step time
  double peak_rss_mib = 0;   ///< the process's peak resident memory
  double model_rss_mib = 0;  ///< peak minus the resident memory before the model was built
  bool channels_last = false;
  int threads = 0;
};

TrainBenchResult bench_train_steps(const Arch& arch, const TrainBenchOptions& opt);

/// Runs `step` warmup + steps times; the timed steps' milliseconds.
std::vector<double> time_steps_ms(const std::function<void()>& step, int warmup, int steps);
/// Fills the timing fields of `r` from `ms` and the memory fields from the
/// process's peak RSS, minus `rss_before_model_mib`.
void summarize_bench(TrainBenchResult& r, const std::vector<double>& ms, int batch,
                     double rss_before_model_mib);

}  // namespace hwnas
