// hwnas export: an arch (with trained weights, or freshly initialised) to ONNX.
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "hwnas/export/onnx_export.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/weights.h"

namespace hwnas::cli {

namespace {

struct ExportCli {
  std::string arch, weights, out;
  ExportOptions opt;
};

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
  cmd->add_option("--arch", o->arch, "Architecture JSON")->required();
  cmd->add_option("--weights", o->weights, "Trained weights (default: random initialisation)");
  cmd->add_option("--out", o->out, "ONNX file to write")->required();
  cmd->add_option("--opset", o->opt.opset, "ONNX opset, 13..17")->check(CLI::Range(13, 17));
  auto* batch =
      cmd->add_option("--batch", o->opt.batch, "Static batch size")->check(CLI::Range(1, 65536));
  cmd->add_flag("--dynamic-batch", o->opt.dynamic_batch, "Symbolic batch dimension")
      ->excludes(batch);
  cmd->add_flag("--fold-bn", o->opt.fold_bn, "Fold BatchNormalization into the convolutions");
  cmd->callback([o, &ctx] { ctx.run = [o, &ctx] { run_export(*o, ctx); }; });
}

}  // namespace hwnas::cli
