// hwnas export: an arch (with trained weights, or freshly initialised) to
// ONNX; or, with --out-latency-probe, every distinct layer of a space as its
// own small model, for profiling on devices hwnas does not run on.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/cost/latency_table.h"
#include "hwnas/export/onnx_export.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/weights.h"
#include "hwnas/space/space.h"

namespace hwnas::cli {
namespace fs = std::filesystem;

namespace {

struct ExportCli {
  std::string arch, weights, out, space, probe_dir;
  ExportOptions opt;
};

// One model per distinct layer, plus probes.json (file -> layer, input, LUT
// key) and timings.csv (a template to fill with measured milliseconds).
// Written into DIR.partial and renamed, so DIR is whole or absent.
void run_probe_export(const ExportCli& o, const Context& ctx) {
  Space space = load_space(o.space);
  if (fs::exists(o.probe_dir))
    throw InputError(o.probe_dir, "already exists; latency probes go into a new folder");
  const std::string tmp = o.probe_dir + ".partial";
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  json probes = json::array();
  std::string csv = "probe,latency_ms\n";
  int i = 0;
  for (const auto& [layer, in] : distinct_layers(space)) {
    Arch a;
    a.name = fmt::format("probe-{:03d}", i++);
    a.input = in;
    a.num_classes = layer.op == Op::Linear ? layer.out : 1;
    a.layers = {layer};
    torch::manual_seed(0);
    ArchNet net(a);
    net->eval();
    export_onnx(*net, o.opt, tmp + "/" + a.name + ".onnx");
    probes.push_back({{"probe", a.name},
                      {"file", a.name + ".onnx"},
                      {"layer", layer_to_json(layer)},
                      {"input", {in.c, in.h, in.w}},
                      {"key", lut_key(layer, in)}});
    csv += a.name + ",\n";
  }
  write_file_atomic(tmp + "/probes.json", json({{"format", "hwnas.probes/1"},
                                                {"space", space.name},
                                                {"batch", o.opt.batch},
                                                {"opset", o.opt.opset},
                                                {"probes", probes}})
                                                  .dump(2) +
                                              "\n");
  write_file_atomic(tmp + "/timings.csv", csv);
  fs::rename(tmp, o.probe_dir);
  if (ctx.json) return print_json({{"dir", o.probe_dir}, {"probes", probes.size()}});
  std::cout << fmt::format(
      "{}: {} probe models of space {} (batch {}, opset {}); time each on the device and "
      "fill {}/timings.csv\n",
      o.probe_dir, probes.size(), space.name, o.opt.batch, o.opt.opset, o.probe_dir);
}

void run_export(const ExportCli& o, const Context& ctx) {
  Arch arch = load_arch(o.arch);
  torch::manual_seed(0);
  ArchNet net(arch);
  if (!o.weights.empty()) load_weights(*net, o.weights);
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
