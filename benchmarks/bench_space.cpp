// Hot paths of search on one core: genotype -> Arch -> MACs/params, and
// genotype -> cost through a CostTable. Targets: >= 1e5 and >= 1e6 archs/s
// for proxyless-mobile (issue 3); >= 1e5 decode + count for the cell spaces
// (issue 14).
#include <benchmark/benchmark.h>

#include <filesystem>

#include "hwnas/cost/cost_table.h"
#include "hwnas/cost/flops_model.h"
#include "hwnas/cost/ir_counts.h"
#include "hwnas/cost/lut_model.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;

namespace {

const Space& space_named(const std::string& name) {
  static std::map<std::string, Space> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, load_space(name)).first;
  return it->second;
}

std::vector<Genotype> samples(const Space& s, int n) {
  Rng rng(1);
  std::vector<Genotype> out;
  for (int i = 0; i < n; ++i) out.push_back(sample(s, rng));
  return out;
}

void BM_DecodeAndCount(benchmark::State& state, const std::string& name) {
  const Space& s = space_named(name);
  auto gs = samples(s, 1024);
  Arch a = s.skeleton;
  std::size_t i = 0;
  for (auto _ : state) {
    decode_into(s, gs[i++ & 1023], a);
    Totals t = count_totals(a);
    benchmark::DoNotOptimize(t);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("archs/s = items_per_second");
}

// Genotype -> cost through a CostTable of `model`: the search's hot loop.
void time_table_costs(benchmark::State& state, const Space& s, const CostModel& model) {
  CostTable table(s, model);
  auto gs = samples(s, 1024);
  std::size_t i = 0;
  for (auto _ : state) {
    Cost c = table.cost(gs[i++ & 1023]);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("archs/s = items_per_second");
}

// Genotype -> MACs and params as the search prices them, without decoding
// (block-cell spaces: through the CostTable's LayerSums).
void BM_PriceCounts(benchmark::State& state, const std::string& name) {
  time_table_costs(state, space_named(name), IrCountsModel());
}

void BM_CostTableLookup(benchmark::State& state, const std::string& name) {
  time_table_costs(state, space_named(name), FlopsModel({5.0, 0.0}));
}

// LUT prediction of whole proxyless-mobile archs: through the CostTable the
// table lookups happen once, so predicting an arch is a sum (no hashing).
void BM_LutPredict(benchmark::State& state, const std::string& name) {
  const Space& s = space_named(name);
  std::string path = std::string(HWNAS_SOURCE_DIR) + "/latency_models/" + name + ".cpu.json";
  LatencyTable table;
  if (std::filesystem::exists(path)) {
    table = load_latency_table(path);
  } else {  // same shape of work with made-up values
    table.space = name;
    for (const auto& [l, in] : distinct_layers(s)) table.add({l, in, 0.1, 0, 1});
  }
  time_table_costs(state, s, LutModel(std::make_shared<const LatencyTable>(table)));
}

void BM_AnalyzeFull(benchmark::State& state, const std::string& name) {
  const Space& s = space_named(name);
  auto gs = samples(s, 1024);
  std::size_t i = 0;
  for (auto _ : state) {
    ArchStats st = analyze(decode(s, gs[i++ & 1023]));
    benchmark::DoNotOptimize(st);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_BuildCostTable(benchmark::State& state, const std::string& name) {
  const Space& s = space_named(name);
  IrCountsModel ir;
  for (auto _ : state) {
    CostTable t(s, ir);
    benchmark::DoNotOptimize(t);
  }
}

}  // namespace

BENCHMARK_CAPTURE(BM_DecodeAndCount, proxyless_mobile, std::string("proxyless-mobile"));
BENCHMARK_CAPTURE(BM_DecodeAndCount, fbnet, std::string("fbnet"));
BENCHMARK_CAPTURE(BM_DecodeAndCount, nb201, std::string("nb201"));
BENCHMARK_CAPTURE(BM_DecodeAndCount, eeea_c10, std::string("eeea-c10"));
BENCHMARK_CAPTURE(BM_DecodeAndCount, eeea_c10_search, std::string("eeea-c10-search"));
BENCHMARK_CAPTURE(BM_PriceCounts, eeea_c10, std::string("eeea-c10"));
BENCHMARK_CAPTURE(BM_PriceCounts, eeea_c10_search, std::string("eeea-c10-search"));
BENCHMARK_CAPTURE(BM_CostTableLookup, nb201, std::string("nb201"));
BENCHMARK_CAPTURE(BM_CostTableLookup, proxyless_mobile, std::string("proxyless-mobile"));
BENCHMARK_CAPTURE(BM_CostTableLookup, fbnet, std::string("fbnet"));
BENCHMARK_CAPTURE(BM_LutPredict, proxyless_mobile, std::string("proxyless-mobile"));
BENCHMARK_CAPTURE(BM_AnalyzeFull, proxyless_mobile, std::string("proxyless-mobile"));
BENCHMARK_CAPTURE(BM_BuildCostTable, proxyless_mobile, std::string("proxyless-mobile"));

BENCHMARK_MAIN();
