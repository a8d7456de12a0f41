// Constrained derivation against brute force: on a space small enough to
// enumerate, the beam's answer is the most probable arch that meets every
// bound, for random scores and bounds.
#include <random>

#include <catch2/catch.hpp>

#include "hwnas/cost/flops_model.h"
#include "hwnas/cost/ir_counts.h"
#include "hwnas/search/derive.h"

using namespace hwnas;

namespace {
Space small_space() {
  // proxyless-fmnist cut to its first two stages: 5 positions, 6*7*6*7*7 archs
  Document doc = parse_yaml(
      "name: small\ninput: [1, 28, 28]\nnum_classes: 10\n"
      "candidates:\n"
      "  a: {op: mbconv, k: 3, e: 3}\n  b: {op: mbconv, k: 3, e: 6}\n"
      "  c: {op: mbconv, k: 5, e: 3}\n  d: {op: mbconv, k: 5, e: 6}\n"
      "  f: {op: mbconv, k: 7, e: 3}\n  g: {op: mbconv, k: 7, e: 6}\n  z: {op: zero}\n"
      "layers:\n  - {op: conv, out: 16, k: 3}\n"
      "  - {stage: {out: 24, depth: 2, stride: 2, choices: [a, b, c, d, f, g, z]}}\n"
      "  - {stage: {out: 40, depth: 3, stride: 2, choices: [a, b, c, d, f, g, z]}}\n"
      "  - {op: gap}\n  - {op: linear, out: 10}\n",
      "small.yaml");
  return read_space(doc);
}
}  // namespace

TEST_CASE("best_feasible finds the brute-force optimum under random bounds", "[derive]") {
  Space space = small_space();
  FlopsModel flops(FlopsModelOptions{0.5, 0.1});
  IrCountsModel ir;
  CostTable lat(space, flops), counts(space, ir);
  Rng rng(11);
  std::normal_distribution<double> n01(0, 1);
  const Cost lo = counts.min_cost(), hi = counts.max_cost();
  const Cost llo = lat.min_cost(), lhi = lat.max_cost();
  for (int trial = 0; trial < 20; ++trial) {
    ChoiceScores score;
    for (const auto& p : space.positions) {
      score.emplace_back();
      for (std::size_t c = 0; c < p.choices.size(); ++c) score.back().push_back(n01(rng));
    }
    std::uniform_real_distribution<double> frac(0.1, 0.9);
    std::vector<CostBound> bounds = {
        {&lat,
         Metric::LatencyMs,
         llo.latency_ms() + frac(rng) * (lhi.latency_ms() - llo.latency_ms()),
         {}},
        {&counts, Metric::Params, lo.params() + frac(rng) * (hi.params() - lo.params()), {}}};
    if (trial % 3 == 0)  // a lower bound too
      bounds.push_back({&counts, Metric::Macs, {}, lo.macs() + 0.3 * (hi.macs() - lo.macs())});
    // brute force
    double best = -1e300;
    Genotype best_g;
    enumerate(space, [&](const Genotype& g) {
      for (const auto& b : bounds) {
        const double v = b.table->cost(g)[b.metric];
        if ((b.max && v > *b.max) || (b.min && v < *b.min)) return true;
      }
      double s = 0;
      for (std::size_t p = 0; p < g.size(); ++p) s += score[p][g[p]];
      if (s > best) best = s, best_g = g;
      return true;
    });
    auto found = best_feasible(score, bounds, 4096, 3);
    INFO("trial " << trial);
    if (best_g.empty()) {
      CHECK(found.empty());
      continue;
    }
    REQUIRE_FALSE(found.empty());
    CHECK(found[0] == best_g);
    for (const auto& g : found)
      for (const auto& b : bounds) {
        const double v = b.table->cost(g)[b.metric];
        CHECK((!b.max || v <= *b.max));
        CHECK((!b.min || v >= *b.min));
      }
  }
}

TEST_CASE("best_feasible returns nothing when the bounds exclude every arch", "[derive]") {
  Space space = small_space();
  IrCountsModel ir;
  CostTable counts(space, ir);
  ChoiceScores uniform;
  for (const auto& p : space.positions) uniform.emplace_back(p.choices.size(), 0.0);
  // each bound alone is reachable; together they are not (many MACs, few params)
  const Cost lo = counts.min_cost(), hi = counts.max_cost();
  std::vector<CostBound> bounds = {{&counts, Metric::Macs, {}, hi.macs() * 0.999},
                                   {&counts, Metric::Params, lo.params() * 1.001, {}}};
  CHECK(best_feasible(uniform, bounds).empty());
  CHECK(best_feasible(frugal_scores(bounds), bounds).empty());
  CHECK(best_feasible(uniform, {bounds[0]}).size() >= 1);
}
