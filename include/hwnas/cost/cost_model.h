#pragma once
// The CostModel interface (DESIGN.md): every way hwnas prices a network —
// FLOPs, latency tables, measured latency, accelerator models — sits behind it.
#include <array>
#include <bitset>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "hwnas/ir/arch.h"

namespace hwnas {

enum class Metric { LatencyMs, EnergyMj, AreaMm2, Macs, Params };
inline constexpr int kNumMetrics = 5;
const std::vector<std::string>& metric_names();  ///< "latency_ms", "energy_mj", ...
std::string metric_name(Metric m);
/// The unit a metric is reported in ("ms", "mJ", "mm^2", "MACs", "params").
std::string metric_unit(Metric m);

using MetricSet = std::bitset<kNumMetrics>;
inline MetricSet metric_set(std::initializer_list<Metric> ms) {
  MetricSet s;
  for (Metric m : ms) s.set(static_cast<int>(m));
  return s;
}

/// NaN means "not modelled".
struct Cost {
  std::array<double, kNumMetrics> v{nan(), nan(), nan(), nan(), nan()};

  double& operator[](Metric m) { return v[static_cast<int>(m)]; }
  double operator[](Metric m) const { return v[static_cast<int>(m)]; }
  double latency_ms() const { return (*this)[Metric::LatencyMs]; }
  double energy_mj() const { return (*this)[Metric::EnergyMj]; }
  double area_mm2() const { return (*this)[Metric::AreaMm2]; }
  double macs() const { return (*this)[Metric::Macs]; }
  double params() const { return (*this)[Metric::Params]; }

  /// Zero for every metric in `ms`, NaN elsewhere.
  static Cost zeros(const MetricSet& ms);
  static constexpr double nan() { return std::numeric_limits<double>::quiet_NaN(); }
};

struct LayerContext {
  const Layer& layer;
  Shape in, out;
  int batch = 1;
};

class CostModel {
 public:
  virtual ~CostModel() = default;
  /// The model's type name as written in configs ("flops", "lut", ...).
  virtual std::string name() const = 0;
  /// Metrics this model gives (others are NaN in its Costs).
  virtual MetricSet metrics() const = 0;
  /// Metrics whose network value is the sum of layer values plus fixed terms.
  virtual MetricSet additive() const = 0;
  virtual bool supports(const Layer& layer) const = 0;
  /// One layer at its shapes.
  virtual Cost layer(const LayerContext& ctx) const = 0;
  /// A whole network: the layers' sum plus fixed terms for additive metrics;
  /// the model's own evaluation for the others.
  virtual Cost network(const Arch& arch) const = 0;
};

/// Sum of layer() over the arch's layers (batch 1) for the additive metrics;
/// the usual body of CostModel::network.
Cost sum_layers(const CostModel& model, const Arch& arch, int batch = 1);

}  // namespace hwnas
