// The supernet engine on real components: gate gradients against the
// all-paths reference, the `two`-mode rescaling, expected costs against the
// CostTable, and whole searches on a task only one candidate can solve.
#include <cmath>
#include <random>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/accel/accel_model.h"
#include "hwnas/common/files.h"
#include "hwnas/cost/lut_model.h"
#include "hwnas/cost/registry.h"
#include "hwnas/search/supernet_search.h"
#include "hwnas/space/genotype.h"
#include "hwnas/space/space.h"

using namespace hwnas;

namespace {

// Two on-pixels per image. Class 1: a horizontal pair two apart (one 3x3
// window sees both); class 0: two pixels at least three apart. A 1x1 conv
// followed by global pooling sees the same for both classes; a 3x3 conv can
// tell them apart.
ImageSet pairs_images(int n, std::uint64_t seed) {
  ImageSet s;
  s.name = "pairs";
  s.shape = {1, 12, 12};
  s.num_classes = 2;
  Rng rng(seed);
  std::uniform_int_distribution<int> pos(0, 11);
  for (int i = 0; i < n; ++i) {
    std::vector<std::uint8_t> img(144, 0);
    const int label = i % 2;
    int r1, c1, r2, c2;
    do {
      r1 = pos(rng), c1 = pos(rng);
      if (label == 1) {
        r2 = r1, c2 = c1 + 2;
      } else {
        r2 = pos(rng), c2 = pos(rng);
      }
    } while (c2 > 11 || (label == 0 && std::max(std::abs(r1 - r2), std::abs(c1 - c2)) < 3));
    img[std::size_t(r1 * 12 + c1)] = img[std::size_t(r2 * 12 + c2)] = 255;
    s.pixels.insert(s.pixels.end(), img.begin(), img.end());
    s.labels.push_back(label);
  }
  return s;
}

struct PairsRun {
  std::string dir;
  RunSetup setup;
  Datasets data;
};

// A config over a one-position space {conv k1, conv k3}, priced by FLOPs unless
// `cost_models` says otherwise.
PairsRun pairs_setup(const std::string& strategy,
                     const std::string& cost_models = "{lat: {type: flops, gmacs_per_s: 0.01}}") {
  PairsRun r;
  r.dir = test::temp_dir("pairs");
  write_file_atomic(r.dir + "/pairs.yaml",
                    "name: pairs\ninput: [1, 12, 12]\nnum_classes: 2\n"
                    "candidates:\n  c1: {op: conv, k: 1}\n  c3: {op: conv, k: 3}\n"
                    "layers:\n  - {stage: {out: 16, depth: 1, stride: 1, choices: [c1, c3]}}\n"
                    "  - {op: gap}\n  - {op: linear, out: 2}\n");
  write_file_atomic(r.dir + "/c.yaml", "name: pairs\nseed: 3\nspace: " + r.dir +
                                           "/pairs.yaml\ndata: {dataset: synthetic}\n"
                                           "cost_models: " +
                                           cost_models +
                                           "\n"
                                           "strategy: " +
                                           strategy +
                                           "\ntrain: {epochs: 6, batch: 32, optimizer: {lr: 0.05}, "
                                           "schedule: {type: constant}}\n");
  CostModelRegistry reg;
  register_builtin_cost_models(reg);
  accel::register_accel_cost_models(reg);
  r.setup = prepare_run(load_run_config(r.dir + "/c.yaml"), reg);
  r.data.train = pairs_images(1024, 1);
  r.data.val = pairs_images(256, 2);
  r.data.test = pairs_images(256, 3);
  r.data.norm = channel_stats(r.data.train);
  return r;
}

SearchOutcome search_pairs(PairsRun& r) {
  torch::manual_seed(r.setup.config.seed);
  Supernet net(r.setup.space);
  SearchRunOptions o;
  o.log_every = 1000;
  return run_supernet_search(net, r.setup, r.data, o, RunDir::create(r.dir + "/run"));
}

}  // namespace

TEST_CASE("probed gate gradients equal the all-paths gradient", "[search]") {
  const bool shared = GENERATE(false, true);
  INFO("weights " << (shared ? "shared" : "separate"));
  torch::manual_seed(0);
  Space space = load_space("proxyless-fmnist");
  Supernet net(space, shared);
  net->eval();  // the same BN statistics in the forward and the recompute
  {
    torch::NoGradGuard g;
    for (int p = 0; p < net->positions(); ++p) net->mixed(p)->alpha.normal_();
  }
  auto x = torch::randn({4, 1, 28, 28});
  auto y = torch::randint(0, 10, {4}, torch::kInt64);
  auto alpha_grads = [&](bool probe) {
    std::vector<PathGate> gates(std::size_t(net->positions()));
    for (int p = 0; p < net->positions(); ++p) {
      auto& a = net->mixed(p)->alpha;
      auto w = torch::softmax(a, 0);
      const int active = p % int(a.size(0));
      auto hot = torch::zeros_like(w);
      hot[active] = 1.0;
      gates[p].gates = hot + w - w.detach();
      gates[p].active = active;
      if (probe) {
        for (int j = 0; j < int(a.size(0)); ++j)
          if (j != active) gates[p].probe.push_back(j);
      } else {
        gates[p].soft = true;  // every candidate computed, each times its gate
      }
    }
    for (auto& a : net->logits())
      if (a.grad().defined()) a.mutable_grad().reset();
    auto out = net->forward(x, gates);
    torch::nn::functional::cross_entropy(out, y).backward();
    std::vector<torch::Tensor> g;
    for (auto& a : net->logits()) g.push_back(a.grad().clone());
    return std::make_pair(out.detach(), g);
  };
  auto [out_probe, g_probe] = alpha_grads(true);
  auto [out_all, g_all] = alpha_grads(false);
  CHECK(torch::allclose(out_probe, out_all, 1e-4, 1e-5));
  for (std::size_t p = 0; p < g_all.size(); ++p) {
    INFO("position " << p << ": " << g_probe[p] << " vs " << g_all[p]);
    CHECK(g_all[p].abs().sum().item<double>() > 0);
    CHECK(torch::allclose(g_probe[p], g_all[p], 1e-3, 1e-6));
  }
}

TEST_CASE("two-mode rescaling keeps the unsampled probabilities", "[search]") {
  torch::manual_seed(1);
  Space space = load_space("proxyless-fmnist");
  Supernet net(space);
  std::vector<std::vector<double>> old;
  std::vector<std::vector<int>> pairs;
  {
    torch::NoGradGuard g;
    for (int p = 0; p < net->positions(); ++p) {
      auto& a = net->mixed(p)->alpha;
      a.normal_();
      auto c = a.to(torch::kFloat64);
      old.emplace_back(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
      pairs.push_back({1, 3});
      a[1] += 0.7;  // an Adam step on the pair
      a[3] -= 0.4;
    }
  }
  auto before = net->probabilities();  // only to size the comparison below
  rescale_pairs(net, pairs, old);
  auto after = net->probabilities();
  for (std::size_t p = 0; p < after.size(); ++p) {
    double z = 0;
    for (double v : old[p]) z += std::exp(v);
    for (std::size_t j = 0; j < after[p].size(); ++j)
      if (j != 1 && j != 3) CHECK(after[p][j] == Approx(std::exp(old[p][j]) / z).epsilon(1e-5));
    // the pair's mass moved between its two members, in the step's direction
    CHECK(after[p][1] + after[p][3] ==
          Approx((std::exp(old[p][1]) + std::exp(old[p][3])) / z).epsilon(1e-5));
    CHECK(after[p][1] > std::exp(old[p][1]) / z);
    CHECK(before[p].size() == after[p].size());
  }
}

TEST_CASE("the differentiable expected cost equals the CostTable's", "[search]") {
  Space space = load_space("proxyless-fmnist");
  LutModel model(std::make_shared<const LatencyTable>(
      load_latency_table(test::source_path("latency_models/proxyless-fmnist.cpu.json"))));
  CostTable table(space, model);
  ExpectedCost e(table, Metric::LatencyMs);
  torch::manual_seed(2);
  std::vector<torch::Tensor> w;
  std::vector<std::vector<double>> probs;
  for (const auto& pos : space.positions) {
    auto p = torch::softmax(torch::randn({std::int64_t(pos.choices.size())}, torch::kFloat64), 0);
    probs.emplace_back(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
    w.push_back(p.to(torch::kFloat32));
  }
  CHECK(e(w).item<double>() == Approx(table.expected(probs).latency_ms()).epsilon(1e-5));
}

TEST_CASE("search converges to the only candidate that solves the task", "[search]") {
  for (std::string strategy :
       {"{type: proxyless, mode: two, arch_lr: 0.05}",
        "{type: proxyless, mode: full_v2, arch_lr: 0.05}",
        "{type: fbnet, mode: soft, arch_lr: 0.05, loss: {alpha: 1, beta: 0}}",
        "{type: fbnet, mode: hard, arch_lr: 0.05, loss: {alpha: 1, beta: 0}}"}) {
    INFO(strategy);
    // No latency in the loss: lambda 0 (proxyless), beta 0 (fbnet: CE * alpha).
    if (strategy.find("proxyless") != std::string::npos)
      strategy.insert(strategy.size() - 1, ", loss: {lambda: 0}");
    PairsRun r = pairs_setup(strategy);
    SearchOutcome out = search_pairs(r);
    REQUIRE(out.steps == 6 * 32);
    CHECK(out.probs[0][1] > 0.8);  // c3
  }
}

TEST_CASE("latency pressure moves the derived arch to the cheap candidate", "[search]") {
  auto derived_latency = [](double lambda) {
    PairsRun r = pairs_setup(
        "{type: proxyless, arch_lr: 0.05, loss: {lambda: " + std::to_string(lambda) + "}}");
    SearchOutcome out = search_pairs(r);
    ChoiceScores logp;
    for (auto& p : out.probs) {
      logp.emplace_back();
      for (double v : p) logp.back().push_back(std::log(v));
    }
    Genotype g = derive_genotype(r.setup.pricing(), logp);
    return r.setup.models.at("lat").model->network(decode(r.setup.space, g)).latency_ms();
  };
  const double free_ms = derived_latency(0), pressed_ms = derived_latency(5);
  CHECK(pressed_ms < free_ms);
}

TEST_CASE("the accelerator model as the search cost: more weight, lower expected latency",
          "[search][accel]") {
  const std::string models =
      "{lat: {type: accelerator, accel: " + test::source_path("configs/accel/eyeriss.yaml") + "}}";
  auto expected_ms = [&](double lambda) {
    PairsRun r = pairs_setup(
        "{type: proxyless, arch_lr: 0.05, loss: {lambda: " + std::to_string(lambda) + "}}", models);
    const CostTable& table = *r.setup.models.at("lat").table;
    // On the accelerator the 3x3 candidate is the slower one.
    REQUIRE(table.entry(0, 1).latency_ms() > 2 * table.entry(0, 0).latency_ms());
    SearchOutcome out = search_pairs(r);
    return table.expected(out.probs).latency_ms();
  };
  const double free_ms = expected_ms(0), pressed_ms = expected_ms(5);
  CHECK(pressed_ms < free_ms);
}

TEST_CASE("shared weights: each child cut from the supernet computes the supernet's path",
          "[search]") {
  torch::manual_seed(0);
  const Space space = load_space("proxyless-fmnist");
  Supernet shared(space, true), separate(space, false);
  auto count = [](Supernet& n) {
    std::int64_t c = 0;
    for (auto& p : n->weights()) c += p.numel();
    return c;
  };
  CHECK(count(shared) < count(separate) / 2);  // one block per position, not six
  {
    torch::NoGradGuard g;  // BN statistics and affine terms away from their defaults
    for (auto& b : shared->buffers())
      if (b.is_floating_point()) b.uniform_(0.5, 1.5);
    for (auto& p : shared->parameters())
      if (p.dim() == 1) p.uniform_(-0.5, 0.5);
  }
  shared->eval();
  Rng rng = seeded_rng(4, 0, 0);
  const auto x = torch::randn({2, 1, 28, 28});
  for (int i = 0; i < 8; ++i) {
    const Genotype g = sample(space, rng);
    ArchNet child(decode(space, g));
    shared->copy_into_child(g, child);
    child->eval();
    torch::NoGradGuard ng;
    INFO("genotype " << format_genotype(g));
    CHECK(torch::allclose(child->forward(x), shared->forward_child(x, g), 1e-4, 1e-5));
  }
  // A step on the k7 e6 path moves the k3 e3 path of the same position:
  // its weights are slices of the same block.
  const int p = 1;  // a stride-1 position of the first searchable stage
  const Position& pos = space.positions[std::size_t(p)];
  auto choice = [&](const std::string& name) {
    for (int j = 0; j < int(pos.choices.size()); ++j)
      if (space.choice_name(p, j) == name) return j;
    FAIL("no candidate " << name);
    return -1;
  };
  Genotype small(space.positions.size(), 0), big = small;
  small[std::size_t(p)] = choice("mb_k3_e3");
  big[std::size_t(p)] = choice("mb_k7_e6");
  const auto before = shared->forward_child(x, small).detach();
  torch::optim::SGD opt(shared->weights(), 0.1);
  shared->forward_child(x, big).pow(2).mean().backward();
  opt.step();
  CHECK_FALSE(torch::allclose(shared->forward_child(x, small), before));
}
