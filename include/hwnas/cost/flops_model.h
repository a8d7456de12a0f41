#pragma once
// `flops`: latency proportional to MACs. The baseline that latency tables
// are judged against ("how much better than counting FLOPs").
#include "hwnas/common/document.h"
#include "hwnas/cost/cost_model.h"

namespace hwnas {

struct FlopsModelOptions {
  /// Sustained throughput in GMAC/s used to turn MACs into milliseconds. Required.
  double gmacs_per_s = 0;
  /// Fixed per-network overhead in ms (framework dispatch). Default: 0.
  double overhead_ms = 0;

  static FlopsModelOptions read(Fields& f);
  json to_json() const;
};

class FlopsModel final : public CostModel {
 public:
  explicit FlopsModel(FlopsModelOptions opt) : opt_(opt) {}
  std::string name() const override { return "flops"; }
  MetricSet metrics() const override { return metric_set({Metric::LatencyMs}); }
  MetricSet additive() const override { return metrics(); }
  bool supports(const Layer&) const override { return true; }
  Cost layer(const LayerContext& ctx) const override;
  Cost network(const Arch& arch) const override;
  const FlopsModelOptions& options() const { return opt_; }

 private:
  FlopsModelOptions opt_;
};

}  // namespace hwnas
