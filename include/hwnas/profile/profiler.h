#pragma once
// `hwnas profile`: a latency table for every distinct layer a space can
// produce, measured on this machine with the noise-aware protocol, plus a
// calibration fitted on whole-network measurements.
#include <functional>
#include <string>

#include "hwnas/cost/lut_model.h"
#include "hwnas/profile/protocol.h"
#include "hwnas/space/space.h"

namespace hwnas {

struct ProfileOptions {
  ProtocolOptions protocol;
  int batch = 1;
  int threads = 1;
  /// Whole networks sampled (seeded by protocol.seed) to fit the calibration
  /// written beside the table; 0: none. Default: 30.
  int calibrate = 30;
  /// Continue from `<out>.partial` (what an interrupted profile kept).
  bool resume = false;
  bool pinned = false;  ///< recorded in the table's protocol
  std::string out;
};

struct ProfileResult {
  bool interrupted = false;
  std::int64_t entries = 0, unstable = 0;
  double seconds = 0;
  std::string table_path, calibration_path;
};

/// Throws InputError when `out` has a partial profile and resume is off (or
/// the other way round), or the partial file belongs to another space.
ProfileResult profile_space(const Space& space, const ProfileOptions& opt);

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
