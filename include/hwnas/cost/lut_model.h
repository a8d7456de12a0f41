#pragma once
// Latency from a lookup table: `lut` sums the table's per-layer statistic;
// `lut-calibrated` corrects the sum with a fit on whole-network measurements
// (scale, per-layer and per-network overheads the per-layer sum misses).
#include <memory>

#include "hwnas/cost/cost_model.h"
#include "hwnas/cost/latency_table.h"

namespace hwnas {

inline constexpr const char* kCalibFormat = "hwnas.lut-calib/1";
/// The scales a calibration may have: fitted within them, refused outside.
inline constexpr double kCalibScaleMin = 1e-3, kCalibScaleMax = 1e3;

/// measured ~= scale * lut_sum + per_layer_ms * layers + per_network_ms.
struct LutCalibration {
  double scale = 1, per_layer_ms = 0, per_network_ms = 0;
  std::int64_t samples = 0;
  double fit_rmse_ms = 0;
  json points = json::array();  ///< {lut_ms, layers, measured_ms} the fit used

  json to_json(const std::string& table) const;
  static LutCalibration read(const Document& doc);
};

/// Least squares (Eigen) over whole-network measurements, the scale bounded to
/// [kCalibScaleMin, kCalibScaleMax] and both overheads to >= 0, so no network
/// is priced below zero; `layers` counts the tabled (non-free)
/// layers of each network.
LutCalibration fit_calibration(const std::vector<double>& lut_sums,
                               const std::vector<double>& layers,
                               const std::vector<double>& measured);

/// Fingerprint of this machine's CPU (model, cores, governor); threads and
/// batch as given. libtorch version and date are left to the caller.
DeviceFingerprint local_cpu_fingerprint(int threads, int batch);

class LutModel : public CostModel {
 public:
  explicit LutModel(std::shared_ptr<const LatencyTable> table, LutCalibration calib = {},
                    bool calibrated = false);
  std::string name() const override { return calibrated_ ? "lut-calibrated" : "lut"; }
  MetricSet metrics() const override { return metric_set({Metric::LatencyMs}); }
  /// None for a table of live layers only: a layer's cost then depends on
  /// the rest of the network, so only network() prices correctly.
  MetricSet additive() const override { return live_only_ ? MetricSet{} : metrics(); }
  bool supports(const Layer&) const override { return true; }
  /// Throws InputError naming the op and shape when the table lacks the layer.
  Cost layer(const LayerContext& ctx) const override;
  Cost network(const Arch& arch) const override;
  std::optional<Provenance> provenance() const override;
  const LatencyTable& table() const { return *table_; }
  const LutCalibration& calibration() const { return calib_; }

 private:
  std::shared_ptr<const LatencyTable> table_;
  LutCalibration calib_;
  bool calibrated_;
  bool live_only_;    ///< the table's live_layers_only
  bool prices_free_;  ///< the table holds layers free at inference (fitted tables may)
};

/// Count of the layers a table prices (not free at inference).
int tabled_layers(const Arch& arch);

}  // namespace hwnas
