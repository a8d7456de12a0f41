#pragma once
// The CostModel interface (DESIGN.md): every way hwnas prices a network —
// FLOPs, latency tables, measured latency, accelerator models — sits behind it.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hwnas/cost/metric.h"
#include "hwnas/ir/arch.h"

namespace hwnas {

struct LayerContext {
  const Layer& layer;
  Shape in, out;
  int batch = 1;
};

/// Where a model measured on one machine for one space came from.
struct Provenance {
  std::string file;   ///< the measurements (a latency table)
  std::string space;  ///< the space they were taken for
  /// How the machine they were taken on differs from this one (empty: none).
  std::string hardware_differences;
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
  /// Figures that explain one layer's cost beside its metrics (an
  /// accelerator's utilisation and energy by memory level), for reports.
  /// Default: none.
  virtual std::vector<std::pair<std::string, double>> layer_details(const LayerContext&) const {
    return {};
  }
  /// A whole network: the layers' sum plus fixed terms for additive metrics;
  /// the model's own evaluation for the others.
  virtual Cost network(const Arch& arch) const = 0;
  /// Models built from measurements say for which space and machine, so a
  /// run refuses them for another space and warns on other hardware.
  /// Default: none (an analytical model fits every space and machine).
  virtual std::optional<Provenance> provenance() const { return std::nullopt; }
};

/// Sum of layer() over the arch's layers (batch 1) for the additive metrics;
/// the usual body of CostModel::network.
Cost sum_layers(const CostModel& model, const Arch& arch, int batch = 1);

}  // namespace hwnas
