#pragma once
// `measured`: latency timed on this machine with the protocol, cached per
// layer and per network (by canonical JSON). Not additive: a CostTable holds
// no entries for it and constraints on it are checked on whole networks.
// This header is torch-free so torch-free CLI code can register the model.
#include <map>
#include <memory>
#include <mutex>

#include "hwnas/cost/registry.h"
#include "hwnas/profile/protocol.h"

namespace hwnas {

class MeasuredModel final : public CostModel {
 public:
  /// Default protocol: 3 rounds x 10 runs, batch 1.
  explicit MeasuredModel(ProtocolOptions opt, int batch = 1);
  std::string name() const override { return "measured"; }
  MetricSet metrics() const override { return metric_set({Metric::LatencyMs}); }
  MetricSet additive() const override { return {}; }
  bool supports(const Layer&) const override { return true; }
  Cost layer(const LayerContext& ctx) const override;
  Cost network(const Arch& arch) const override;
  std::size_t cached() const;

 private:
  ProtocolOptions opt_;
  int batch_;
  mutable std::mutex mu_;
  mutable std::map<std::string, double> cache_;
};

/// Adds the torch-side models: `measured` (options: rounds, reps, batch).
void register_torch_cost_models(CostModelRegistry& r);

}  // namespace hwnas
