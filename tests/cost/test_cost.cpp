// Conformance: every registered cost model through CostTable agrees with the
// model's own whole-network evaluation.
#include <deque>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/accel/accel_model.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/cost/cost_table.h"
#include "hwnas/cost/flops_model.h"
#include "hwnas/cost/ir_counts.h"
#include "hwnas/cost/lut_model.h"
#include "hwnas/cost/registry.h"

using namespace hwnas;

namespace {
// A table for `space` from a made-up device: 1 ms per GMAC + 0.01 ms per layer.
std::string synthetic_table(const Space& space) {
  LatencyTable t;
  t.space = space.name;
  for (const auto& [l, in] : distinct_layers(space))
    t.add({l, in, double(layer_stats(l, in).macs) * 1e-6 + 0.01, 0.05, 100});
  auto dir = test::temp_dir("lut-" + space.name);
  save_latency_table(t, dir + "/t.json");
  LutCalibration c = fit_calibration({1, 2, 3, 4}, {10, 12, 11, 15}, {1.5, 2.6, 3.55, 4.8});
  write_file_atomic(dir + "/t.calib.json", c.to_json("t.json").dump());
  return dir + "/t.json";
}

// One instance of every registered type, made from typical options.
std::vector<std::unique_ptr<CostModel>> all_models(const Space& space) {
  CostModelRegistry reg;
  register_builtin_cost_models(reg);
  accel::register_accel_cost_models(reg);
  const std::string table = synthetic_table(space);
  // A benchmark table with one measured network (whole-network, never tabled).
  Rng rng(2);
  const std::string bench = table + ".bench.csv";
  write_file_atomic(bench, "genotype,ms\n\"" + format_genotype(sample(space, rng)) + "\",1.5\n");
  std::map<std::string, std::string> options = {
      {"flops", "{type: flops, gmacs_per_s: 4, overhead_ms: 0.3}"},
      {"lut", "{type: lut, table: " + table + "}"},
      {"lut-calibrated", "{type: lut-calibrated, table: " + table + "}"},
      {"table", "{type: table, file: " + bench + ", column: ms, missing: infinite}"},
      {"accelerator",
       "{type: accelerator, accel: " + test::source_path("configs/accel/eyeriss.yaml") + "}"}};
  std::vector<std::unique_ptr<CostModel>> out;
  out.push_back(std::make_unique<IrCountsModel>());
  for (const auto& t : reg.types()) {
    INFO(t);
    REQUIRE(options.count(t));  // a new model type must be added to this suite
    static std::deque<Document> docs;
    docs.push_back(parse_yaml(options[t], t + ".yaml"));
    Fields f = Value(docs.back(), docs.back().root, "", "").as_object();
    out.push_back(reg.make(f.get("type"), f, &space));
  }
  return out;
}
bool close(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b));
}
}  // namespace

TEST_CASE("CostTable sums equal whole-network costs for every model and space", "[cost]") {
  for (const auto& name : list_spaces()) {
    Space s = load_space(name);
    for (const auto& m : all_models(s)) {
      INFO(name << " / " << m->name());
      CostTable t(s, *m);
      Rng rng(1);
      for (int i = 0; i < 50; ++i) {
        Genotype g = sample(s, rng);
        Cost a = t.cost(g), b = m->network(decode(s, g));
        for (int k = 0; k < kNumMetrics; ++k) {
          if (!t.metrics().test(k)) continue;
          CHECK(close(a.v[k], b.v[k]));
        }
      }
    }
  }
}

TEST_CASE("expected cost of one-hot distributions is the arch cost and of uniform ones the mean",
          "[cost]") {
  Space s = load_space("proxyless-fmnist");
  FlopsModel m({5, 0.1});
  CostTable t(s, m);
  Rng rng(2);
  Genotype g = sample(s, rng);
  std::vector<std::vector<double>> onehot, uniform;
  for (std::size_t p = 0; p < s.positions.size(); ++p) {
    std::size_t n = s.positions[p].choices.size();
    onehot.emplace_back(n, 0.0);
    onehot.back()[g[p]] = 1.0;
    uniform.emplace_back(n, 1.0 / n);
  }
  CHECK(close(t.expected(onehot).latency_ms(), t.cost(g).latency_ms()));
  double mean = t.fixed().latency_ms();
  for (std::size_t p = 0; p < s.positions.size(); ++p) {
    double sum = 0;
    for (int c = 0; c < int(s.positions[p].choices.size()); ++c)
      sum += t.entry(int(p), c).latency_ms();
    mean += sum / s.positions[p].choices.size();
  }
  CHECK(close(t.expected(uniform).latency_ms(), mean));
}

TEST_CASE("min and max costs are the extremes over an enumerated space", "[cost]") {
  Space s = read_space(parse_yaml(R"(name: small
input: [3, 16, 16]
num_classes: 5
candidates:
  a: {op: mbconv, k: 3, e: 3}
  b: {op: mbconv, k: 5, e: 6}
  s: {op: skip}
  z: {op: zero}
layers:
  - {op: conv, out: 8, k: 3}
  - {stage: {out: 16, depth: 3, stride: 2, choices: [a, b, s, z]}}
  - {op: gap}
  - {op: linear, out: 5}
)",
                                  "small.yaml"));
  IrCountsModel ir;
  CostTable t(s, ir);
  double lo = 1e18, hi = 0;
  enumerate(s, [&](const Genotype& g) {
    double macs = double(count_totals(decode(s, g)).macs);
    lo = std::min(lo, macs), hi = std::max(hi, macs);
    return true;
  });
  CHECK(t.min_cost().macs() == lo);
  CHECK(t.max_cost().macs() == hi);
}

TEST_CASE("the registry lists its types when one is unknown", "[cost]") {
  CostModelRegistry reg;
  register_builtin_cost_models(reg);
  auto doc = parse_yaml("{type: flopz, gmacs_per_s: 1}", "m.yaml");
  Fields f = Value(doc, doc.root, "", "").as_object();
  CHECK_THROWS_WITH(reg.make(f.get("type"), f),
                    "m.yaml:1:8: type: unknown cost model type 'flopz' (did you mean 'flops'?); "
                    "this build has: flops, lut, lut-calibrated, table");
}
