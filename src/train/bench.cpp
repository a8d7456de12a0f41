#include "hwnas/train/bench.h"

#include <algorithm>
#include <chrono>

#include "hwnas/common/memory.h"
#include "hwnas/nn/network.h"

namespace hwnas {

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

}  // namespace

std::vector<double> time_steps_ms(const std::function<void()>& step, int warmup, int steps) {
  std::vector<double> ms;
  for (int i = 0; i < warmup + steps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    step();
    double t =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (i >= warmup) ms.push_back(t);
  }
  return ms;
}

void summarize_bench(TrainBenchResult& r, const std::vector<double>& ms, int batch,
                     double rss_before_model_mib) {
  r.threads = at::get_num_threads();
  r.ms_per_step = median(ms);
  r.ms_min = *std::min_element(ms.begin(), ms.end());
  r.ms_max = *std::max_element(ms.begin(), ms.end());
  r.images_per_s = 1000.0 * batch / r.ms_per_step;
  r.peak_rss_mib = peak_rss_mib();
  r.model_rss_mib = r.peak_rss_mib - rss_before_model_mib;
}

namespace {

// One fresh net and optimizer per layout: switching a trained net's layout in
// place leaves its gradients and momentum buffers in the old one, and every
// step then pays a layout conversion (why `auto` once ran ~25% slower than `on`).
std::vector<double> time_layout(const Arch& arch, const torch::Tensor& x, const torch::Tensor& y,
                                bool channels_last, int warmup, int steps) {
  torch::manual_seed(0);
  ArchNet net(arch);
  net->train();
  net->set_channels_last(channels_last);
  torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  return time_steps_ms(
      [&] {
        auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
        opt.zero_grad();
        loss.backward();
        opt.step();
      },
      warmup, steps);
}

}  // namespace

TrainBenchResult bench_train_steps(const Arch& arch, const TrainBenchOptions& o) {
  TrainBenchResult r;
  torch::manual_seed(0);
  auto x = torch::randn({o.batch, arch.input.c, arch.input.h, arch.input.w});
  auto y = torch::randint(0, arch.num_classes, {o.batch}, torch::kInt64);
  const double before = current_rss_mib();
  bool cl = o.channels_last == "on";
  if (o.channels_last == "auto")  // a few steps each way; layouts do not change the math
    cl = median(time_layout(arch, x, y, true, 2, 3)) < median(time_layout(arch, x, y, false, 2, 3));
  r.channels_last = cl;
  summarize_bench(r, time_layout(arch, x, y, cl, o.warmup, o.steps), o.batch, before);
  return r;
}

}  // namespace hwnas
