#pragma once
// Whole networks on an accelerator design, and the `accelerator` CostModel
// that puts the analytical model behind the interface every search uses.
#include <memory>
#include <string>
#include <vector>

#include "hwnas/accel/analysis.h"
#include "hwnas/cost/registry.h"

namespace hwnas::accel {

struct NetworkCost {
  std::vector<LayerCost> layers;  ///< one per arch layer
  LayerCost total;
  double latency_ms = 0, energy_mj = 0;
  EnergyByLevel energy;  ///< in MAC units
};

/// Every layer of `arch` on `hw`. Throws InputError naming the layer when a
/// buffer is too small for it.
NetworkCost evaluate_network(const Arch& arch, const AccelParams& hw, int batch = 1);

/// Several tasks (one network each) on a design: each task runs on the
/// sub-accelerator the mapping names; the subs run in parallel, so latency is
/// the slowest sub's total, while energy and area add up.
struct DesignCost {
  std::vector<NetworkCost> tasks;
  std::vector<int> task_sub;
  std::vector<double> sub_latency_ms;
  double latency_ms = 0, energy_mj = 0, energy_mac_units = 0, area_mm2 = 0, cycles = 0;
};
DesignCost evaluate_design(const std::vector<Arch>& tasks, const AccelDesign& design,
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
  Cost network(const Arch& arch) const override;
  const AccelParams& params() const { return hw_; }

 private:
  AccelParams hw_;
};

/// `accelerator` (options: accel = design file, set = list of key=value).
void register_accel_cost_models(CostModelRegistry& r);

}  // namespace hwnas::accel
