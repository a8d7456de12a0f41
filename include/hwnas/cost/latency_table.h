#pragma once
// Latency lookup tables (`latency_models/*.json`, format "hwnas.lut/1"): per
// (layer, input shape, batch) the measured statistic, its spread and repeat
// count, plus the device the table was measured on.
#include <string>
#include <unordered_map>
#include <vector>

#include "hwnas/common/document.h"
#include "hwnas/ir/arch.h"

namespace hwnas {

inline constexpr const char* kLutFormat = "hwnas.lut/1";

/// What a measurement ran on; a table is never silently used elsewhere.
struct DeviceFingerprint {
  /// cpu | cuda | imported (timed elsewhere, `profile --import`) | fitted (from
  /// whole-network timings, `latency fit`; cpu_model names the device)
  std::string kind = "cpu";
  std::string cpu_model;
  int cores = 0, threads = 0, batch = 1;
  std::string governor;     ///< CPU frequency governor, when readable
  std::string gpu, driver;  ///< cuda only
  std::string libtorch, date;

  json to_json() const;
  static DeviceFingerprint read(Fields& f);
  /// Human list of the fields that differ in ways that change latency
  /// (kind, CPU model, cores, threads, batch, GPU); empty when none.
  std::string differences(const DeviceFingerprint& other) const;
};

/// The largest latency a table entry may hold: 1e7 ms.
inline constexpr double kMaxLatencyMs = 1e7;

struct LutEntry {
  Layer layer;
  Shape in;
  double value_ms = 0;  ///< the table's statistic
  double spread = 0;    ///< relative spread of the measurements (p50 / statistic - 1)
  std::int64_t repeats = 0;
};

/// The key of a (layer, input) pair: the layer's canonical JSON plus the input shape.
std::string lut_key(const Layer& layer, const Shape& in);
/// Layers that cost nothing at inference and are never tabled (zero, identity skip, dropout).
bool is_free_at_inference(const Layer& layer, const Shape& in);

struct Space;

/// Every distinct (layer, input) a space can produce that costs time at
/// inference: its fixed layers and every candidate at every position.
std::vector<std::pair<Layer, Shape>> distinct_layers(const Space& space);
/// Every distinct (layer, input) of one arch that costs time at inference.
std::vector<std::pair<Layer, Shape>> distinct_layers(const Arch& arch);

struct LatencyTable {
  std::string file;
  std::string space;
  std::string statistic = "p10";
  DeviceFingerprint device;
  json protocol = json::object();
  /// Whether a network's latency sums only its live layers (hwnas/ir/liveness.h):
  /// for devices whose converter folds constants. JSON `"layers": "live"`;
  /// absent or "all": every layer.
  bool live_layers_only = false;
  std::vector<LutEntry> entries;

  /// nullptr when the table has no entry for this layer on this input.
  const LutEntry* find(const Layer& layer, const Shape& in) const;
  void add(LutEntry e);
  json to_json() const;

 private:
  std::unordered_map<std::string, std::size_t> index_;
};

/// Validates format, keys, finite non-negative values. Errors name the file and entry.
LatencyTable read_latency_table(const Document& doc);
LatencyTable load_latency_table(const std::string& path);
void save_latency_table(const LatencyTable& t, const std::string& path);

}  // namespace hwnas
