#pragma once
// Dataflows in MAESTRO's data-centric form: per level (clusters of PEs, then
// PEs inside a cluster), which loop dimension is spread over the units and in
// which order the others are walked. The three built-in dataflows express
// MAESTRO's shipped kcp_ws (NVDLA-like), yxp_os (ShiDianNao-like) and rs
// (Eyeriss-like) mappings; each has its own form for depthwise layers.
#include <array>
#include <string>
#include <vector>

namespace hwnas {
class Value;
}

namespace hwnas::accel {

/// Loop dimensions of a convolution. Y and X are *output* rows and columns;
/// R and S the filter rows and columns. For depthwise layers C is the channel.
enum class Dim { N, K, C, Y, X, R, S };
inline constexpr int kNumDims = 7;
const char* dim_name(Dim d);

/// A directive's tile: a positive count, or one of these.
inline constexpr int kFull = 0;      ///< the whole extent the level receives
inline constexpr int kCluster = -1;  ///< the number of PEs in a cluster

struct Directive {
  Dim dim;
  bool spatial;  ///< spread over the level's units (at most one per level)
  int tile;      ///< elements per unit and step
};

/// One level of the hierarchy; directives outermost first. Dimensions not
/// named pass whole to the level below.
struct Level {
  std::vector<Directive> directives;
};

struct Dataflow {
  std::string name;
  std::string summary;
  /// Outer level (over clusters) and inner level (over the PEs of a cluster).
  std::array<Level, 2> conv, depthwise;
  /// PEs per cluster when the config gives none; 0: the layer's filter rows (rs).
  int default_cluster = 0;
};

/// A dataflow written in a design file:
///   {name: my_ws, cluster: 64,
///    conv: {clusters: [spatial K 1, temporal C cluster, ...], pes: [spatial C 1, ...]},
///    depthwise: {clusters: [...], pes: [...]}}      # optional: conv without K
/// Each directive is "spatial|temporal <N|K|C|Y|X|R|S> <count|full|cluster>";
/// each level spreads exactly one dimension over its units and names a
/// dimension at most once. Throws InputError naming the place.
Dataflow read_dataflow(const hwnas::Value& v);

/// The built-in dataflows, by name.
const std::vector<Dataflow>& dataflows();
/// nullptr when unknown.
const Dataflow* find_dataflow(const std::string& name);
std::vector<std::string> dataflow_names();

}  // namespace hwnas::accel
