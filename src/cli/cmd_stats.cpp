// hwnas stats: per-layer table and totals for an arch JSON or a genotype.
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "hwnas/common/error.h"
#include "hwnas/common/text.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/space/genotype.h"

namespace hwnas::cli {

namespace {

struct StatsOptions {
  std::string arch, space, genotype;
  int batch = 1;
};

json shape_json(const Shape& s) {
  return {s.c, s.h, s.w};
}
std::string shape_str(const Shape& s) {
  return fmt::format("{}x{}x{}", s.c, s.h, s.w);
}

void run_stats(const StatsOptions& o, const Context& ctx) {
  Arch arch;
  std::string external;  // the space's own spelling of the genotype, if it has one
  if (!o.arch.empty()) {
    arch = load_arch(o.arch);
  } else {
    Space space = load_space(o.space);
    arch = decode(space, parse_genotype(space, o.genotype));
    external = external_genotype(space, arch.genotype);
  }
  ArchStats st = analyze(arch, o.batch);
  if (ctx.json) {
    json layers = json::array();
    for (std::size_t i = 0; i < st.layers.size(); ++i) {
      const auto& l = st.layers[i];
      layers.push_back({{"index", i},
                        {"op", op_name(arch.layers[i].op)},
                        {"summary", layer_summary(arch.layers[i])},
                        {"inputs", l.inputs},
                        {"in", shape_json(l.in)},
                        {"out", shape_json(l.out)},
                        {"macs", l.macs},
                        {"params", l.params},
                        {"other_ops", l.other_ops},
                        {"peak_bytes", l.peak_bytes}});
    }
    json out = {{"name", arch.name},
                {"macs", st.macs},
                {"params", st.params},
                {"other_ops", st.other_ops},
                {"peak_activation_bytes", st.peak_activation_bytes},
                {"batch", st.batch},
                {"layers", layers}};
    if (!arch.genotype.empty()) {  // what was priced, in both spellings where there are two
      out["space"] = arch.space;
      out["genotype"] = arch.genotype;
      if (!external.empty()) out["genotype_external"] = external;
    }
    print_json(out);
    return;
  }
  std::cout << fmt::format("{}: input {}, {} classes\n", arch.name, shape_str(arch.input),
                           arch.num_classes);
  std::cout << fmt::format("{:>4}  {:<26} {:<9} {:>12} {:>12} {:>10} {:>10} {:>11}\n", "#", "layer",
                           "reads", "in", "out", "MACs", "params", "peak act");
  for (std::size_t i = 0; i < st.layers.size(); ++i) {
    const auto& l = st.layers[i];
    // A chain layer reads the one before it; only other wiring is spelled out.
    std::vector<std::string> reads;
    for (int j : l.inputs) reads.push_back(j < 0 ? "in" : std::to_string(j));
    const bool chained = l.inputs.size() == 1 && l.inputs[0] == int(i) - 1;
    std::cout << fmt::format("{:>4}  {:<26} {:<9} {:>12} {:>12} {:>10} {:>10} {:>11}\n", i,
                             layer_summary(arch.layers[i]), chained ? "" : join(reads, ","),
                             shape_str(l.in), shape_str(l.out), human_count(double(l.macs)),
                             human_count(double(l.params)),
                             human_count(double(l.peak_bytes)) + "B");
  }
  std::cout << fmt::format(
      "total: {} MACs ({}), {} params ({}), peak activations {} bytes at "
      "batch {}; BN/act/add/pool ops {}\n",
      st.macs, human_count(double(st.macs)), st.params, human_count(double(st.params)),
      st.peak_activation_bytes, st.batch, human_count(double(st.other_ops)));
}

}  // namespace

void register_stats(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<StatsOptions>();
  auto* cmd = app.add_subcommand("stats", "MACs, params and activation memory of an architecture");
  auto* arch = cmd->add_option("--arch", o->arch, "Architecture JSON (*.arch.json)");
  auto* space = cmd->add_option("--space", o->space, "Search space name or path (with --genotype)");
  auto* geno = cmd->add_option(
      "--genotype", o->genotype,
      "Choice indices, e.g. 0,3,1,... (or the space's own form, e.g. NAS-Bench-201's 334131)");
  cmd->add_option("--batch", o->batch, "Batch size for activation memory")
      ->check(CLI::Range(1, 1 << 20));
  arch->excludes(space)->excludes(geno);
  space->needs(geno);
  geno->needs(space);
  cmd->callback([o, &ctx] {
    if (o->arch.empty() && o->space.empty())
      throw CLI::ValidationError("stats", "give --arch A, or --space S with --genotype G");
    ctx.run = [o, &ctx] { run_stats(*o, ctx); };
  });
}

}  // namespace hwnas::cli
