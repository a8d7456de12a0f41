#pragma once
// Latency tables from timings measured elsewhere: the probes of
// `hwnas export --out-latency-probe DIR` timed on a device hwnas does not run
// on, written into DIR/timings.csv, read back against DIR/probes.json.
// Torch-free.
#include <string>

#include "hwnas/cost/latency_table.h"
#include "hwnas/space/space.h"

namespace hwnas {

/// Reads `csv` (header `probe,latency_ms`, one row per probe, milliseconds
/// > 0) and the probes.json beside it into a table for `space`. Throws
/// InputError naming the file and line (or probe) of: a bad header or row,
/// an unknown or repeated probe, a missing timing, probes of another space,
/// or a space layer no probe covers.
LatencyTable import_probe_timings(const Space& space, const std::string& csv);

}  // namespace hwnas
