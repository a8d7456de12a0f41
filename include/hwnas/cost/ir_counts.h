#pragma once
// MACs and params straight from the IR: the metrics every arch has, which
// constraints may use without naming a model.
#include "hwnas/cost/cost_model.h"

namespace hwnas {

class IrCountsModel final : public CostModel {
 public:
  std::string name() const override { return "ir"; }
  MetricSet metrics() const override { return metric_set({Metric::Macs, Metric::Params}); }
  MetricSet additive() const override { return metrics(); }
  bool supports(const Layer&) const override { return true; }
  Cost layer(const LayerContext& ctx) const override;
  Cost network(const Arch& arch) const override { return sum_layers(*this, arch); }
};

}  // namespace hwnas
