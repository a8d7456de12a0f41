#pragma once
// Latency tables from timings measured elsewhere: the probes of
// `hwnas export --out-latency-probe DIR` timed on a device hwnas does not run
// on, written into DIR/timings.csv, read back against DIR/probes.json.
// Torch-free.
#include <string>

#include "hwnas/cost/latency_table.h"
#include "hwnas/space/space.h"

namespace hwnas {

/// One distinct layer of a space as its own one-layer network, to be timed
/// on a device hwnas does not run on.
struct LatencyProbe {
  std::string name;  ///< probe-000, probe-001, ...
  std::string file;  ///< <name>.onnx
  Layer layer;
  Shape in;
  std::string key;  ///< the layer's latency-table key
  /// The one-layer network the probe's model holds.
  Arch arch() const;
};

/// probes.json (format hwnas.probes/1): the probes of one space.
struct ProbeSet {
  std::string space;
  int batch = 1, opset = 13;
  std::vector<LatencyProbe> probes;

  json to_json() const;
  /// "probe,latency_ms" and one empty row per probe: the file to fill in.
  std::string timings_template() const;
};

/// One probe per distinct layer of `space`, in distinct_layers() order.
ProbeSet make_probe_set(const Space& space, int batch, int opset);
/// Reads `path` (probes.json) for `space`; throws InputError naming the file
/// and key of a wrong format, another space, a repeated probe or a key that
/// does not match its layer.
ProbeSet read_probe_set(const std::string& path, const Space& space);

/// Reads `csv` (header `probe,latency_ms`, one row per probe, milliseconds
/// > 0) and the probes.json beside it into a table for `space`. Throws
/// InputError naming the file and line (or probe) of: a bad header or row,
/// an unknown or repeated probe, a missing timing, probes of another space,
/// or a space layer no probe covers.
LatencyTable import_probe_timings(const Space& space, const std::string& csv);

}  // namespace hwnas
