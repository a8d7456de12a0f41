// hwnas export: an arch (with trained weights, or freshly initialised) to
// ONNX; or, with --out-latency-probe, every distinct layer of a space as its
// own small model, for profiling on devices hwnas does not run on.
#include <filesystem>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "cli.h"
#include "hwnas/common/output_path.h"
#include "hwnas/export/onnx_export.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/weights.h"
#include "hwnas/space/space.h"

namespace hwnas::cli {
namespace fs = std::filesystem;

namespace {

struct ExportCli {
  std::string arch, weights, out, space, probe_dir;
  bool force = false;
  ExportOptions opt;
};

void run_probe_export(ExportCli o, const Context& ctx) {
  o.probe_dir = check_output(o.probe_dir, OutputKind::Folder, false, {}, "--out-latency-probe");
  const ProbeSet set = export_latency_probes(load_space(o.space), o.opt, o.probe_dir);
  if (ctx.json) return print_json({{"dir", o.probe_dir}, {"probes", set.probes.size()}});
  std::cout << fmt::format(
      "{}: {} probe models of space {} (batch {}, opset {}); time each on the device and "
      "fill {}/timings.csv\n",
      o.probe_dir, set.probes.size(), set.space, set.batch, set.opset, o.probe_dir);
}

void run_export(ExportCli o, const Context& ctx) {
  o.out = check_output(o.out, OutputKind::File, o.force, {o.arch, o.weights}, "--out");
  Arch arch = load_arch(o.arch);
  // The weights are read and checked before the net is built.
  std::optional<WeightsArchive> weights;
  if (!o.weights.empty()) {
    weights = read_weights_archive(o.weights);
    check_weights_fit(arch, *weights, o.weights);
  }
  torch::manual_seed(0);
  ArchNet net(arch);
  if (weights) apply_weights(*net, *weights, o.weights);
  net->eval();
  ExportResult r = export_onnx(*net, o.opt, o.out);
  if (ctx.json)
    return print_json(
        {{"path", r.path}, {"opset", r.opset}, {"nodes", r.nodes}, {"bytes", r.bytes}});
  std::cout << fmt::format("{}: {} nodes, opset {}, {} bytes{}\n", r.path, r.nodes, r.opset,
                           r.bytes, o.weights.empty() ? " (random weights)" : "");
}

}  // namespace

void register_export(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ExportCli>();
  auto* cmd =
      app.add_subcommand("export", "Export an architecture to ONNX (checked by onnx's checker)");
  auto* arch = cmd->add_option("--arch", o->arch, "Architecture JSON");
  cmd->add_option("--weights", o->weights, "Trained weights (default: random initialisation)");
  auto* out = cmd->add_option("--out", o->out, "ONNX file to write");
  auto* space = cmd->add_option("--space", o->space, "Search space (with --out-latency-probe)");
  auto* probe = cmd->add_option("--out-latency-probe", o->probe_dir,
                                "Write every distinct layer of --space as its own model into "
                                "this new folder, with probes.json and a timings.csv template");
  probe->needs(space)->excludes(arch)->excludes(out);
  cmd->add_option("--opset", o->opt.opset, "ONNX opset, 13..17")->check(CLI::Range(13, 17));
  auto* batch =
      cmd->add_option("--batch", o->opt.batch, "Static batch size")->check(CLI::Range(1, 65536));
  cmd->add_flag("--dynamic-batch", o->opt.dynamic_batch, "Symbolic batch dimension")
      ->excludes(batch);
  cmd->add_flag("--fold-bn", o->opt.fold_bn, "Fold BatchNormalization into the convolutions");
  cmd->add_flag("--force", o->force, "Replace an existing --out file");
  cmd->callback([o, &ctx, arch, out, probe] {
    if (probe->count() > 0) {
      ctx.run = [o, &ctx] { run_probe_export(*o, ctx); };
      return;
    }
    if (arch->count() == 0 || out->count() == 0)
      throw CLI::ValidationError("export",
                                 "give --arch and --out, or --space and --out-latency-probe");
    ctx.run = [o, &ctx] { run_export(*o, ctx); };
  });
}

}  // namespace hwnas::cli
