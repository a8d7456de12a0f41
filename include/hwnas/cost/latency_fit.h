#pragma once
// Latency tables learned from whole-network measurements, for devices hwnas
// cannot run on but where timing whole exported networks is easy (and where
// NAS benchmarks publish thousands of such timings). A network's latency is
// modelled as the sum of one term per table key (a distinct layer on a
// distinct input, shared by every position and cell that produces it) plus
// a per-network term; the terms are fitted by non-negative, lightly ridged
// least squares on relative residuals. Few-shot transfer adapts a table
// fitted on another device from K measured networks. Torch-free.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/common/statistics.h"
#include "hwnas/cost/flops_model.h"
#include "hwnas/cost/latency_table.h"
#include "hwnas/cost/lut_model.h"
#include "hwnas/space/genotype.h"
#include "hwnas/space/space.h"

namespace hwnas {

/// Measured whole-network latencies (ms) of archs of one space, in file order.
struct Measurements {
  std::string file, column;
  std::string hash;  ///< FNV-1a 64 of the file's bytes, hex: which file a table came from
  std::vector<Genotype> genotypes;
  std::vector<double> ms;
  std::vector<std::int64_t> lines;  ///< the file line of each
};

/// Reads `column` (ms) of the CSV at `path`, keyed by `genotype_column` (any
/// form parse_genotype(space, ...) reads). Stricter than a benchmark table:
/// every row needs a finite latency > 0 and a genotype appears once. Throws
/// InputError naming file:line and what was expected.
Measurements read_measurements(const std::string& path, const Space& space,
                               const std::string& column, const std::string& genotype_column);

/// The first `k` networks of `m` (the shots of a transfer); InputError when
/// the file holds fewer.
Measurements first_networks(const Measurements& m, int k);

struct FitOptions {
  std::string device;   ///< the measured device's name, for the table's provenance
  double ridge = 1e-6;  ///< relative to the mean curvature; splits collinear terms
  /// Transfer only: how strongly each op type's scale is held to the common
  /// scale, in units of one network's squared relative error.
  double transfer_strength = 0.02;
  /// Count only each network's live layers (hwnas/ir/liveness.h), for
  /// devices whose converter folds constants; the table then prices so too.
  bool live_only = false;
};

struct LatencyFit {
  LatencyTable table;
  LutCalibration calib;  ///< scale 1, per layer 0, per_network_ms: the per-network term
  int terms = 0;         ///< layer terms (table keys)
  int identified = 0;    ///< of them, how many the data determine one by one
  /// Keys in every network the same number of times: their cost is carried by
  /// the per-network term (tabled as 0).
  std::vector<std::string> pooled_into_network;
  /// Keys whose counts are linear combinations of others' in this data: only
  /// their combined cost is determined, split by the ridge.
  std::vector<std::string> collinear;
  Agreement in_sample;
  json report() const;  ///< what the table's `protocol` records
};

/// Fits one term per table key of `space` plus the per-network term on `m`.
/// InputError (naming the file) when a layer the space can produce appears
/// in no measured network, or when there are fewer networks than terms the
/// data could determine (the message says how many are needed).
LatencyFit fit_latency_table(const Space& space, const Measurements& m, const FitOptions& opt);

/// Adapts `prior` (a table of the same space fitted or profiled on another
/// device, with its calibration) to the device of `shots`: every op type
/// (op, kernel, expansion, groups) gets its own scale, held toward a common
/// scale by opt.transfer_strength, plus a per-network term held toward the
/// prior's scaled. InputError when the prior is of another space or lacks a
/// layer of it.
LatencyFit transfer_latency_table(const Space& space, const LatencyTable& prior,
                                  const LutCalibration& prior_calib, const Measurements& shots,
                                  const FitOptions& opt);

/// Each genotype's latency by `table` and its calibration.
std::vector<double> predict_latency(const Space& space, const LatencyTable& table,
                                    const LutCalibration& calib,
                                    const std::vector<Genotype>& genotypes);

/// The FLOPs baseline: ms = macs / throughput + overhead by least squares;
/// empty when fewer than 3 networks or the slope is not positive.
std::optional<FlopsModelOptions> fit_flops(const std::vector<double>& macs,
                                           const std::vector<double>& ms);

/// MACs of each genotype (the FLOPs baseline's feature).
std::vector<double> network_macs(const Space& space, const std::vector<Genotype>& genotypes);

}  // namespace hwnas
