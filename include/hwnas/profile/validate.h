#pragma once
// `hwnas latency validate`: how well each predictor matches this machine,
// read against the machine's own noise floor (two independent measurements
// of the same archs) and the floor of a naive protocol.
#include <optional>
#include <string>

#include "hwnas/common/statistics.h"
#include "hwnas/cost/latency_fit.h"
#include "hwnas/cost/lut_model.h"
#include "hwnas/profile/protocol.h"
#include "hwnas/space/space.h"

namespace hwnas {

struct ValidateOptions {
  int samples = 100;
  std::uint64_t seed = 0;
  int batch = 1;
  ProtocolOptions protocol;
  int naive_runs = 20;  ///< consecutive runs of the naive protocol. Default: 20.
};

struct PredictorResult {
  std::string name;
  std::vector<double> predicted;
  Agreement agreement;
};

struct ValidationReport {
  std::string space, table;
  int samples = 0;
  std::vector<double> macs, measured, remeasured, naive, naive_again;
  std::vector<PredictorResult> predictors;  ///< lut, lut-calibrated, flops (those available)
  Agreement noise_floor, naive_floor;
  std::string device_warning;  ///< non-empty when the table was measured elsewhere
  std::string source;          ///< the measurement file, when not measured here

  json to_json() const;
  std::string markdown() const;
  /// The predictor with the most archs within +/-10% (ties: within 5%, then tau).
  const PredictorResult& best() const;
};

/// Measures `samples` seeded random archs twice (protocol) and twice naively,
/// and predicts each with the table, its calibration (when given) and a
/// FLOPs model fitted on the calibration's networks (when it has MACs).
/// Empty `samples` when interrupted.
ValidationReport validate_latency(const Space& space, std::shared_ptr<const LatencyTable> table,
                                  const std::optional<LutCalibration>& calib,
                                  const ValidateOptions& opt);

/// The same report against whole-network latencies measured elsewhere (no
/// noise floors: the file holds one measurement per network).
ValidationReport validate_against_measurements(const Space& space,
                                               std::shared_ptr<const LatencyTable> table,
                                               const std::optional<LutCalibration>& calib,
                                               const Measurements& m);

/// Predicted-vs-measured scatter with the +/-10% band, drawn by gnuplot;
/// returns false (and writes nothing) when gnuplot is not installed.
bool write_scatter_png(const ValidationReport& r, const std::string& path);

}  // namespace hwnas
