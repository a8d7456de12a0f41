#pragma once
// `hwnas profile`: a latency table for every distinct layer a space can
// produce (or given archs hold, or an existing table lacks), measured on this
// machine with the noise-aware protocol, plus a calibration fitted on
// whole-network measurements.
#include <functional>
#include <optional>
#include <string>

#include "hwnas/cost/latency_table.h"
#include "hwnas/cost/lut_model.h"
#include "hwnas/profile/protocol.h"
#include "hwnas/space/space.h"
#include "hwnas/train/communicator.h"

namespace hwnas {

struct ProfileOptions {
  ProtocolOptions protocol;
  int batch = 1;
  int threads = 1;
  /// Whole networks sampled (seeded by protocol.seed) to fit the calibration
  /// written beside the table; 0: none. Default: 30.
  int calibrate = 30;
  /// Continue from the partial file(s) an interrupted profile of `out` kept
  /// (partial_profile_path).
  bool resume = false;
  bool pinned = false;  ///< recorded in the table's protocol
  std::string out;
};

struct ProfileResult {
  bool interrupted = false;
  std::int64_t entries = 0, unstable = 0;
  std::int64_t added = 0;  ///< entries measured by this run (the rest came from the base)
  double seconds = 0;
  std::string table_path, calibration_path;
};

/// What one profile measures.
struct ProfileJob {
  std::string name;  ///< the table's `space` field
  /// Distinct layers to time: a space's and the given archs', less the base's.
  std::vector<std::pair<Layer, Shape>> layers;
  /// Networks measured whole to fit the calibration: `calibrate` sampled from
  /// the space, then the given archs; none when fewer than 3.
  std::vector<Arch> calibration;
  /// The table being extended (`--extend`): its entries are kept as they are.
  std::optional<LatencyTable> base;
};

/// The job for a space and/or archs (either may be empty, not both). A base
/// table must have been measured on this machine with these threads and
/// batch and the same statistic; otherwise InputError naming it.
ProfileJob make_profile_job(const Space* space, const std::vector<Arch>& archs,
                            std::optional<LatencyTable> base, const ProfileOptions& opt);

/// Measures the job and writes the table (and calibration). Over several
/// ranks of `comm` (machines whose fingerprints the caller checked equal)
/// each rank times its own shard of the layers and of the calibration
/// networks, balanced by their arithmetic; rank 0 gathers them and alone
/// writes. Throws InputError when `out` has a partial profile and resume is
/// off (or the other way round), or the partial file belongs to another job
/// or another number of ranks.
ProfileResult run_profile_job(const ProfileJob& job, const ProfileOptions& opt,
                              Communicator& comm = local_communicator());

/// Where rank `rank` of `world` keeps its samples while profiling `out`:
/// `<out>.partial` for one process, `<out>.rank<R>-of-<N>.partial` else.
std::string partial_profile_path(const std::string& out, int rank, int world);

/// Indices of the items rank `rank` of `world` takes: the items, heaviest
/// `work` first, each to the rank with the least work so far (lowest rank on
/// ties), returned in ascending order. The same on every rank.
std::vector<std::size_t> balanced_shard(const std::vector<double>& work, int rank, int world);

/// The fingerprint of this machine for a CPU measurement (with libtorch's
/// version and today's date).
DeviceFingerprint current_device(int threads, int batch);

/// One inference (inference mode, fixed random input) of each arch, or of
/// one layer: the items the protocol times. Build them once and time them
/// as often as needed.
std::vector<std::function<void()>> network_runs(const std::vector<Arch>& archs, int batch);
std::function<void()> layer_run(const Layer& layer, const Shape& in, int batch);

/// Whole-network latency of prepared runs with the protocol (progress
/// logged, stop signals honoured). Empty when stopped by a signal.
std::vector<Measurement> measure_networks(const std::vector<std::function<void()>>& runs,
                                          const ProtocolOptions& opt);

}  // namespace hwnas
