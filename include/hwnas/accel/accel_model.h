#pragma once
// Whole networks on an accelerator design, and the `accelerator` CostModel
// that puts the analytical model behind the interface every search uses.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/accel/analysis.h"
#include "hwnas/cost/registry.h"

namespace hwnas::accel {

struct NetworkCost {
  std::vector<LayerCost> layers;  ///< one per arch layer
  LayerCost total;
  double latency_ms = 0, energy_mj = 0;
  EnergyByLevel energy;  ///< in units of one 8-bit MAC
};

/// Every layer of `arch` on `hw`. Throws InputError naming the layer when a
/// buffer is too small for it.
NetworkCost evaluate_network(const Arch& arch, const AccelParams& hw, int batch = 1);

/// Several tasks (one network each) on a design: each layer runs on the
/// sub-accelerator the mapping gives it. The subs run in parallel, so latency
/// is the larger of the busiest sub's total and the longest task's chain of
/// layers; energy and area add up.
struct DesignCost {
  std::vector<NetworkCost> tasks;
  std::vector<std::vector<int>> layer_sub;  ///< per task and layer, the sub it ran on
  std::vector<double> sub_latency_ms;       ///< each sub's busy time
  double latency_ms = 0, energy_mj = 0, energy_mac_units = 0, area_mm2 = 0;
  double cycles = 0;  ///< latency in cycles of the first sub's clock (of the design's, when single)
};
DesignCost evaluate_design(const std::vector<Arch>& tasks, const AccelDesign& design,
                           int batch = 1);

/// One point of a sweep over a design parameter: its cost, or (infeasible)
/// why its buffers cannot hold some layer.
struct SweepPoint {
  std::string value;
  std::optional<DesignCost> cost;
  std::string error;   ///< the whole message: the design, the network and the layer
  std::string reason;  ///< the message without its place
};
struct Sweep {
  std::string key;
  std::vector<SweepPoint> points;
};
/// `spec` = "key=v1,v2,...": `base` with each value in turn. A malformed spec
/// or a value the design cannot take throws InputError naming the spec.
Sweep sweep_design(const std::string& spec, const std::vector<Arch>& tasks, const AccelDesign& base,
                   int batch = 1);

class AcceleratorModel final : public CostModel {
 public:
  explicit AcceleratorModel(AccelParams hw) : hw_(std::move(hw)) {}
  std::string name() const override { return "accelerator"; }
  MetricSet metrics() const override {
    return metric_set({Metric::LatencyMs, Metric::EnergyMj, Metric::AreaMm2});
  }
  /// Area is a fixed per-design term, so all three are sums over layers.
  MetricSet additive() const override { return metrics(); }
  bool supports(const Layer&) const override { return true; }
  Cost layer(const LayerContext& ctx) const override;
  std::vector<std::pair<std::string, double>> layer_details(const LayerContext& ctx) const override;
  Cost network(const Arch& arch) const override;
  const AccelParams& params() const { return hw_; }

 private:
  AccelParams hw_;
};

/// `accelerator` (options: accel = design file, set = list of key=value).
void register_accel_cost_models(CostModelRegistry& r);

}  // namespace hwnas::accel
