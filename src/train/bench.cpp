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

TrainBenchResult bench_train_steps(const Arch& arch, const TrainBenchOptions& o) {
  TrainBenchResult r;
  torch::manual_seed(0);
  auto x = torch::randn({o.batch, arch.input.c, arch.input.h, arch.input.w});
  auto y = torch::randint(0, arch.num_classes, {o.batch}, torch::kInt64);
  const double before = current_rss_mib();
  ArchNet net(arch);
  net->train();
  torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  auto step = [&] {
    auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
  };
  bool cl = o.channels_last == "on";
  if (o.channels_last == "auto") {
    // A few steps each way; memory formats do not change the math.
    net->set_channels_last(false);
    double off = median(time_steps_ms(step, 2, 3));
    net->set_channels_last(true);
    double on = median(time_steps_ms(step, 2, 3));
    cl = on < off;
  }
  net->set_channels_last(cl);
  r.channels_last = cl;
  summarize_bench(r, time_steps_ms(step, o.warmup, o.steps), o.batch, before);
  return r;
}

}  // namespace hwnas
