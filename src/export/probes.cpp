// Latency probes: each distinct layer of a space as its own ONNX model.
#include <filesystem>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/output_path.h"
#include "hwnas/export/onnx_export.h"

namespace hwnas {
namespace fs = std::filesystem;

ProbeSet export_latency_probes(const Space& space, const ExportOptions& opt,
                               const std::string& dir) {
  if (fs::exists(dir)) throw InputError(dir, "already exists; latency probes go into a new folder");
  const ProbeSet set = make_probe_set(space, opt.batch, opt.opset);
  StagingFolder staging(dir);  // removed, and nothing else, if this fails
  const std::string& tmp = staging.path();
  for (const auto& p : set.probes) {
    torch::manual_seed(0);
    ArchNet net(p.arch());
    net->eval();
    export_onnx(*net, opt, tmp + "/" + p.file);
  }
  write_file_atomic(tmp + "/probes.json", set.to_json().dump(2) + "\n");
  write_file_atomic(tmp + "/timings.csv", set.timings_template());
  staging.commit();
  return set;
}

}  // namespace hwnas
