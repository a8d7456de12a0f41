#include "hwnas/cost/cost_table.h"

#include <fmt/format.h>

#include "hwnas/common/error.h"

namespace hwnas {

namespace {
void add_into(Cost& acc, const Cost& c, const MetricSet& ms) {
  for (int m = 0; m < kNumMetrics; ++m)
    if (ms.test(m)) acc.v[m] += c.v[m];
}
}  // namespace

CostTable::CostTable(const Space& space, const CostModel& model)
    : metrics_(space.additive() ? model.metrics() & model.additive() : MetricSet{}) {
  auto price = [&](const Layer& l, const Shape& in, const Shape& out, const std::string& what) {
    if (!model.supports(l))
      throw InputError(what, fmt::format("cost model '{}' cannot price a {} layer", model.name(),
                                         op_name(l.op)));
    Cost c = model.layer({l, in, out, 1});
    Cost kept = Cost::zeros(metrics_);
    add_into(kept, c, metrics_);
    return kept;
  };
  // Fixed part = network(skeleton) minus the skeleton's position layers, so
  // that a model's per-network terms land in it too.
  fixed_ = Cost::zeros(metrics_);
  entries_.resize(space.positions.size());
  if (metrics_.none()) {  // nothing additive to table (e.g. measured latency): all NaN
    for (std::size_t p = 0; p < space.positions.size(); ++p)
      entries_[p].assign(space.positions[p].choices.size(), Cost{});
    sums_ = LayerSums::make(space, model);
    return;
  }
  add_into(fixed_, model.network(space.skeleton), metrics_);
  for (std::size_t p = 0; p < space.positions.size(); ++p) {
    // A cell's position is priced at every use of the cell.
    const Position& pos = space.positions[p];
    for (std::size_t c = 0; c < pos.choices.size(); ++c) {
      const std::string what = fmt::format("{}: position {} ({}), candidate '{}'", space.name, p,
                                           pos.stage, space.candidates[pos.choices[c]].name);
      Cost sum = Cost::zeros(metrics_);
      for (const auto& u : pos.uses) add_into(sum, price(u.layers[c], u.in, u.out, what), metrics_);
      entries_[p].push_back(sum);
    }
    const Cost& first = entries_[p][0];  // the skeleton holds choice 0
    for (int m = 0; m < kNumMetrics; ++m)
      if (metrics_.test(m)) fixed_.v[m] -= first.v[m];
  }
  // Every metric is a quantity >= 0; a model that prices some network below
  // zero (a calibration with negative terms, a hand-edited table) would
  // steer a search by nonsense.
  const Cost lo = min_cost();
  for (int m = 0; m < kNumMetrics; ++m)
    if (metrics_.test(m) && lo.v[m] < 0) {
      const auto prov = model.provenance();
      throw InputError(prov ? prov->file : model.name(),
                       fmt::format("prices some network of space {} at {} {} (below zero); "
                                   "refit or remeasure it",
                                   space.name, lo.v[m], metric_names()[m]));
    }
}

Cost CostTable::cost(const Genotype& g) const {
  if (sums_) return sums_->cost(g);
  Cost c = fixed_;
  for (std::size_t p = 0; p < g.size(); ++p) {
    const Cost& e = entries_[p][g[p]];
    for (int m = 0; m < kNumMetrics; ++m) c.v[m] += e.v[m];  // NaN stays NaN
  }
  return c;
}

Cost CostTable::expected(const std::vector<std::vector<double>>& probs) const {
  HWNAS_ASSERT(probs.size() == entries_.size(), "expected(): one distribution per position");
  Cost c = fixed_;
  for (std::size_t p = 0; p < probs.size(); ++p) {
    HWNAS_ASSERT(probs[p].size() == entries_[p].size(), "expected(): one probability per choice");
    for (std::size_t k = 0; k < probs[p].size(); ++k)
      for (int m = 0; m < kNumMetrics; ++m) c.v[m] += probs[p][k] * entries_[p][k].v[m];
  }
  return c;
}

Cost CostTable::extreme(bool want_min) const {
  Cost c = fixed_;
  for (const auto& row : entries_) {
    for (int m = 0; m < kNumMetrics; ++m) {
      if (!metrics_.test(m)) continue;
      double best = row[0].v[m];
      for (const auto& e : row) best = want_min ? std::min(best, e.v[m]) : std::max(best, e.v[m]);
      c.v[m] += best;
    }
  }
  return c;
}

Cost CostTable::min_cost() const {
  return extreme(true);
}
Cost CostTable::max_cost() const {
  return extreme(false);
}

}  // namespace hwnas
