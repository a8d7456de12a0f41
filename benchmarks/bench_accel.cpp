// The accelerator model's hot path on one core: one layer priced on one
// design (decomposition, both dataflow levels, traffic, energy). Target
// (issue 8): >= 1e6 layer evaluations/s, so a co-exploration can score
// millions of designs.
#include <benchmark/benchmark.h>

#include "hwnas/accel/accel_model.h"
#include "hwnas/cost/latency_table.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
using namespace hwnas::accel;

namespace {

struct Job {
  Layer layer;
  Shape in;
};

// Every distinct layer of proxyless-mobile (224x224 MobileNet-style blocks).
std::vector<Job> mobile_layers() {
  std::vector<Job> out;
  for (const auto& [l, in] : distinct_layers(load_space("proxyless-mobile")))
    out.push_back({l, in});
  return out;
}

void BM_AccelLayer(benchmark::State& state, const std::string& design) {
  const AccelParams hw =
      load_accel_design(std::string(HWNAS_SOURCE_DIR) + "/configs/accel/" + design + ".yaml")
          .subs[0];
  const std::vector<Job> jobs = mobile_layers();
  std::size_t i = 0;
  for (auto _ : state) {
    const Job& j = jobs[i++ % jobs.size()];
    LayerCost c = analyze_layer(j.layer, j.in, 1, hw);
    if (!fits(c, hw)) state.SkipWithError("buffers too small");
    double e = energy_mj(c, hw);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::to_string(jobs.size()) + " layers; layer evals/s = items_per_second");
}

// One primitive (a 3x3 conv) alone: the analysis without decomposition.
void BM_AccelPrimitive(benchmark::State& state, const std::string& design) {
  const AccelParams hw =
      load_accel_design(std::string(HWNAS_SOURCE_DIR) + "/configs/accel/" + design + ".yaml")
          .subs[0];
  Primitive p;
  p.what = "conv";
  p.dims = {1, 64, 64, 28, 28, 3, 3};
  for (auto _ : state) {
    LayerCost c = analyze_primitive(p, hw);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}

// A whole design sweep point: every layer of a proxyless-mobile arch.
void BM_AccelNetwork(benchmark::State& state) {
  const AccelParams hw =
      load_accel_design(std::string(HWNAS_SOURCE_DIR) + "/configs/accel/eyeriss.yaml").subs[0];
  const Space s = load_space("proxyless-mobile");
  Rng rng(1);
  const Arch a = decode(s, sample(s, rng));
  for (auto _ : state) {
    NetworkCost n = evaluate_network(a, hw);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * std::int64_t(a.layers.size()));
  state.SetLabel("items = layers");
}

}  // namespace

BENCHMARK_CAPTURE(BM_AccelLayer, nvdla, std::string("nvdla"));
BENCHMARK_CAPTURE(BM_AccelLayer, shidiannao, std::string("shidiannao"));
BENCHMARK_CAPTURE(BM_AccelLayer, eyeriss, std::string("eyeriss"));
BENCHMARK_CAPTURE(BM_AccelPrimitive, nvdla, std::string("nvdla"));
BENCHMARK(BM_AccelNetwork);
BENCHMARK_MAIN();
