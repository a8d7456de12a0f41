// The evolution hot paths on one core (issue 17's targets): the early exit
// of sampled candidates through a CostTable (>= 1e5 candidates/s), and
// NSGA-II survival of 1,000 candidates with 3 objectives (< 10 ms).
#include <benchmark/benchmark.h>

#include <random>

#include "hwnas/cost/flops_model.h"
#include "hwnas/cost/ir_counts.h"
#include "hwnas/search/pareto.h"
#include "hwnas/search/pricing.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;

namespace {

// Sample, then refuse through the run's pricing: a params threshold (IR
// counts) and a flops-latency threshold, both tabled.
void BM_EarlyExitDraw(benchmark::State& state, const std::string& space_name) {
  const Space space = load_space(space_name);
  PricedModels models;
  auto add = [&](const std::string& name, std::unique_ptr<CostModel> m) {
    PricedModel pm;
    pm.table = std::make_unique<CostTable>(space, *m);
    pm.model = std::move(m);
    models[name] = std::move(pm);
  };
  add("ir", std::make_unique<IrCountsModel>());
  add("f", std::make_unique<FlopsModel>(FlopsModelOptions{1.0, 0.1}));
  const Cost lo = models["ir"].table->min_cost(), hi = models["ir"].table->max_cost();
  Constraint params;
  params.metric = Metric::Params;
  params.max = 0.5 * (lo.params() + hi.params());
  Constraint lat;
  lat.model = "f";
  lat.metric = Metric::LatencyMs;
  lat.max = 0.5 * (models["f"].table->min_cost().latency_ms() +
                   models["f"].table->max_cost().latency_ms());
  const std::vector<Constraint> thresholds = {params, lat};
  const Pricing early(space, models, thresholds);
  Rng rng(1);
  std::int64_t accepted = 0;
  for (auto _ : state) {
    const Genotype g = sample(space, rng);
    accepted += early.violated(g) == nullptr;
  }
  benchmark::DoNotOptimize(accepted);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_EarlyExitDraw, proxyless_mobile, std::string("proxyless-mobile"));
BENCHMARK_CAPTURE(BM_EarlyExitDraw, nb201, std::string("nb201"));

void BM_Nsga2Survival(benchmark::State& state) {
  const std::size_t n = std::size_t(state.range(0));
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Objectives> points;
  for (std::size_t i = 0; i < n; ++i) points.push_back({u(rng), u(rng), u(rng)});
  for (auto _ : state) benchmark::DoNotOptimize(nsga2_survivors(points, n / 2));
}
BENCHMARK(BM_Nsga2Survival)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
