#include "hwnas/search/bench.h"

#include "hwnas/common/error.h"
#include "hwnas/common/memory.h"
#include "hwnas/search/supernet_search.h"

namespace hwnas {

TrainBenchResult bench_supernet_steps(const Space& space, const SupernetBenchOptions& o) {
  if (o.genotype) check_genotype(space, *o.genotype);
  if (o.mode == "child") {
    return bench_train_steps(
        decode(space, o.genotype.value_or(Genotype(space.positions.size(), 0))), o.train);
  }
  HWNAS_ASSERT(o.mode == "weight" || o.mode == "arch", "bench mode");
  TrainBenchResult r;
  torch::manual_seed(0);
  const Shape in = space.skeleton.input;
  auto x = torch::randn({o.train.batch, in.c, in.h, in.w});
  auto y = torch::randint(0, space.skeleton.num_classes, {o.train.batch}, torch::kInt64);
  const double before = current_rss_mib();
  Supernet net(space, o.shared);
  net->train();
  r.channels_last = o.train.channels_last != "off";
  net->set_channels_last(r.channels_last);
  const auto weights = net->weights();
  torch::optim::SGD wopt(weights, torch::optim::SGDOptions(0.01).momentum(0.9));
  torch::optim::Adam aopt(net->logits(), torch::optim::AdamOptions(1e-3).betas({0.0, 0.999}));
  SupernetOptions so;
  so.type = "proxyless";
  so.mode = "two";
  const PathSampler sampler(so, 0);
  std::int64_t step = 0;
  auto weight_step = [&] {
    auto logits_out = o.genotype ? net->forward_child(x, *o.genotype)
                                 : net->forward(x, sampler.weight_gates(net, step, 0));
    auto loss = torch::nn::functional::cross_entropy(logits_out, y);
    clear_grads(weights);
    loss.backward();
    wopt.step();
    ++step;
  };
  auto arch_step = [&] {
    std::vector<torch::Tensor> cost_w;
    std::vector<std::vector<int>> pairs;
    auto gates = sampler.arch_gates(net, step, 0, cost_w, pairs);
    architecture_step(net, weights, aopt, pairs, [&] {
      return torch::nn::functional::cross_entropy(net->forward(x, gates), y);
    });
    ++step;
  };
  std::function<void()> fn =
      o.mode == "weight" ? std::function<void()>(weight_step) : std::function<void()>(arch_step);
  summarize_bench(r, time_steps_ms(fn, o.train.warmup, o.train.steps), o.train.batch, before);
  return r;
}

}  // namespace hwnas
