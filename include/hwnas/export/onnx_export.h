#pragma once
// Arch + weights -> ONNX ModelProto, built with libonnx's protobuf classes
// straight from the IR (no tracing). Checked with onnx's checker and shape
// inference before anything is written.
#include <string>

#include "hwnas/cost/lut_import.h"
#include "hwnas/nn/network.h"

namespace hwnas {

struct ExportOptions {
  int opset = 13;              ///< 13..17. Default: 13.
  int batch = 1;               ///< static batch size. Default: 1.
  bool dynamic_batch = false;  ///< a symbolic "batch" dimension instead
  bool fold_bn = false;        ///< fold BatchNormalization into the preceding conv
};

struct ExportResult {
  std::string path;
  int opset = 0;
  std::int64_t nodes = 0, bytes = 0;
};

/// Exports `net` (its arch and current weights, in eval semantics) to `path`
/// atomically. Throws InputError when an op cannot be expressed at the opset
/// (naming the layer), or when the checker rejects the model.
ExportResult export_onnx(ArchNetImpl& net, const ExportOptions& opt, const std::string& path);

/// Writes every probe of `space` (make_probe_set) as its own ONNX model
/// (random weights), with probes.json and the timings.csv template, into the
/// new folder `dir`: built in `dir`.partial and renamed, so `dir` is whole or
/// absent. Throws InputError when `dir` exists.
ProbeSet export_latency_probes(const Space& space, const ExportOptions& opt,
                               const std::string& dir);

}  // namespace hwnas
