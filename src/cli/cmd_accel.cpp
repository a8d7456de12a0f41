// hwnas accel: networks on an analytical accelerator model — per-layer
// cycles, utilisation, energy by level and bound; totals; design sweeps.
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "hwnas/accel/accel_model.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/output_path.h"
#include "hwnas/ir/arch_json.h"

namespace hwnas::cli {

namespace {

struct AccelOptions {
  std::vector<std::string> archs, sets;
  std::string accel, sweep, out;
  int batch = 1;
};

json energy_json(const accel::EnergyByLevel& e) {
  return {{"mac", e.mac}, {"l1", e.l1}, {"l2", e.l2}, {"dram", e.dram}};
}

json layer_json(const Arch& arch, std::size_t i, const accel::LayerCost& c,
                const accel::AccelParams& hw) {
  const auto e = accel::energy_by_level(c, hw);
  return {{"index", i},
          {"summary", layer_summary(arch.layers[i])},
          {"cycles", c.cycles},
          {"compute_cycles", c.compute_cycles},
          {"stall_cycles", c.cycles - c.compute_cycles},
          {"latency_ms", accel::latency_ms(c.cycles, hw)},
          {"macs", c.macs},
          {"utilisation", c.utilisation()},
          {"energy_mj", accel::energy_mj(c, hw)},
          {"energy_mac_units", e.total()},
          {"energy_by_level", energy_json(e)},
          {"l1_reads", c.l1_reads},
          {"l1_writes", c.l1_writes},
          {"l2_reads", c.l2_reads},
          {"l2_writes", c.l2_writes},
          {"dram_reads", c.dram_reads},
          {"dram_writes", c.dram_writes},
          {"bound", accel::bound_name(c.bound)}};
}

void print_layers(const Arch& arch, const accel::NetworkCost& n, const accel::AccelDesign& design,
                  const std::vector<int>& layer_sub) {
  if (design.heterogeneous) {
    std::cout << fmt::format("{} on {} (the last column names each layer's sub-accelerator)\n",
                             arch.name, design.name);
  } else {
    const auto& hw = design.subs[0];
    std::cout << fmt::format("{} on {} ({}, {} PEs, {} MHz)\n", arch.name, hw.name, hw.dataflow,
                             hw.pes, hw.clock_mhz);
  }
  std::cout << fmt::format("{:>4}  {:<24} {:>11} {:>6} {:>10} {:>10} {:>10} {:>10}  {}\n", "#",
                           "layer", "cycles", "util", "E mac", "E L1", "E L2", "E DRAM", "bound");
  for (std::size_t i = 0; i < n.layers.size(); ++i) {
    const auto& hw = design.subs[layer_sub[i]];
    const auto& c = n.layers[i];
    const auto e = accel::energy_by_level(c, hw);
    std::cout << fmt::format(
        "{:>4}  {:<24} {:>11.0f} {:>5.1f}% {:>10} {:>10} {:>10} {:>10}  {:<8}{}\n", i,
        layer_summary(arch.layers[i]), c.cycles, 100 * c.utilisation(), human_count(e.mac),
        human_count(e.l1), human_count(e.l2), human_count(e.dram),
        c.macs > 0 || c.cycles > 0 ? accel::bound_name(c.bound) : "-",
        design.heterogeneous ? hw.name : "");
  }
}

void run_sweep(const AccelOptions& o, const std::vector<Arch>& tasks,
               const accel::AccelDesign& base, const Context& ctx) {
  const accel::Sweep sweep = accel::sweep_design(o.sweep, tasks, base, o.batch);
  json points = json::array();
  if (!ctx.json)
    std::cout << fmt::format("{:>12} {:>14} {:>12} {:>12} {:>16} {:>10} {:>12} {:>8}\n", sweep.key,
                             "cycles", "latency_ms", "energy_mj", "energy_mac_units", "area_mm2",
                             "utilisation", "bound");
  for (const accel::SweepPoint& p : sweep.points) {
    if (!p.cost) {
      points.push_back({{"value", p.value}, {"feasible", false}, {"error", p.error}});
      if (!ctx.json) std::cout << fmt::format("{:>12} infeasible: {}\n", p.value, p.reason);
      continue;
    }
    const accel::DesignCost& cost = *p.cost;
    json point = {{"value", p.value},
                  {"feasible", true},
                  {"cycles", cost.cycles},
                  {"latency_ms", cost.latency_ms},
                  {"energy_mj", cost.energy_mj},
                  {"energy_mac_units", cost.energy_mac_units},
                  {"area_mm2", cost.area_mm2}};
    // One accelerator: its utilisation and bound explain a flat sweep. A
    // heterogeneous design has one of each per sub-accelerator: not shown.
    std::string util = "-", bound = "-";
    if (!base.heterogeneous) {
      const auto& total = cost.tasks[0].total;
      point["utilisation"] = total.utilisation();
      point["bound"] = bound = accel::bound_name(total.bound);
      util = fmt::format("{:.1f}%", 100 * total.utilisation());
    }
    points.push_back(point);
    if (!ctx.json)
      std::cout << fmt::format(
          "{:>12} {:>14.0f} {:>12.4f} {:>12.6f} {:>16.4g} {:>10.4f} {:>12} {:>8}\n", p.value,
          cost.cycles, cost.latency_ms, cost.energy_mj, cost.energy_mac_units, cost.area_mm2, util,
          bound);
  }
  const json result = {{"accelerator", base.name}, {"design", o.accel},  {"archs", o.archs},
                       {"batch", o.batch},         {"sweep", sweep.key}, {"points", points}};
  if (!o.out.empty()) {
    // A folder `hwnas report` reads: sweep.json, all or nothing.
    StagingFolder staging(o.out);
    write_file_atomic(staging.path() + "/sweep.json", result.dump(2) + "\n");
    staging.commit();
    if (!ctx.json) std::cout << "wrote " << o.out << "/sweep.json\n";
  }
  if (ctx.json) print_json(result);
}

void run_accel(AccelOptions o, const Context& ctx) {
  // Outputs are checked before any work.
  if (!o.out.empty()) {
    std::vector<std::string> inputs = o.archs;
    inputs.push_back(o.accel);
    o.out = check_output(o.out, OutputKind::Folder, false, inputs, "--out");
  }
  std::vector<Arch> tasks;
  for (const auto& a : o.archs) tasks.push_back(load_arch(a));
  accel::AccelDesign design = accel::load_accel_design(o.accel);
  accel::apply_overrides(design, o.sets);
  if (!design.heterogeneous && tasks.size() > 1)
    throw InputError(o.accel, fmt::format("{} networks were given but the design is a single "
                                          "accelerator; give a design with sub_accelerators "
                                          "and a mapping, or one --arch",
                                          tasks.size()));
  if (!o.out.empty() && o.sweep.empty())
    throw InputError("--out", "is the folder of a sweep's results: give --sweep too");
  if (!o.sweep.empty()) return run_sweep(o, tasks, design, ctx);
  const auto cost = accel::evaluate_design(tasks, design, o.batch);

  if (ctx.json) {
    json layers = json::array(), task_list = json::array();
    for (std::size_t t = 0; t < tasks.size(); ++t) {
      const auto& n = cost.tasks[t];
      json subs = json::array();
      for (std::size_t i = 0; i < n.layers.size(); ++i) {
        const auto& hw = design.subs[cost.layer_sub[t][i]];
        json l = layer_json(tasks[t], i, n.layers[i], hw);
        if (design.heterogeneous) {
          l["task"] = t;
          l["sub_accelerator"] = hw.name;
        }
        layers.push_back(l);
        if (subs.empty() || subs.back() != hw.name) subs.push_back(hw.name);
      }
      task_list.push_back({{"name", tasks[t].name},
                           {"sub_accelerators", subs},
                           {"cycles", n.total.cycles},
                           {"latency_ms", n.latency_ms},
                           {"energy_mj", n.energy_mj},
                           {"energy_mac_units", n.energy.total()},
                           {"utilisation", n.total.utilisation()}});
    }
    json out = {{"accelerator", design.name},
                {"cycles", cost.cycles},
                {"latency_ms", cost.latency_ms},
                {"energy_mj", cost.energy_mj},
                {"energy_mac_units", cost.energy_mac_units},
                {"area_mm2", cost.area_mm2},
                {"layers", layers}};
    if (!design.heterogeneous) {
      out["utilisation"] = cost.tasks[0].total.utilisation();
      out["energy_by_level"] = energy_json(cost.tasks[0].energy);
      out["bound"] = accel::bound_name(cost.tasks[0].total.bound);
    } else {
      out["tasks"] = task_list;
    }
    print_json(out);
    return;
  }
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const auto& n = cost.tasks[t];
    print_layers(tasks[t], n, design, cost.layer_sub[t]);
    std::cout << fmt::format(
        "total: {:.0f} cycles = {:.4f} ms, {:.1f}% utilisation, energy {:.6f} mJ "
        "({} MAC units: mac {}, L1 {}, L2 {}, DRAM {})\n\n",
        n.total.cycles, n.latency_ms, 100 * n.total.utilisation(), n.energy_mj,
        human_count(n.energy.total()), human_count(n.energy.mac), human_count(n.energy.l1),
        human_count(n.energy.l2), human_count(n.energy.dram));
  }
  std::cout << fmt::format("design {}: latency {:.4f} ms, energy {:.6f} mJ, area {:.3f} mm^2\n",
                           design.name, cost.latency_ms, cost.energy_mj, cost.area_mm2);
}

}  // namespace

void register_accel(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<AccelOptions>();
  auto* cmd = app.add_subcommand(
      "accel", "Latency, energy and area of networks on an analytical ASIC accelerator model");
  cmd->add_option("--arch", o->archs,
                  "Architecture JSON; repeat for the tasks of a heterogeneous design")
      ->required();
  cmd->add_option("--accel", o->accel, "Accelerator design YAML (configs/accel/*.yaml)")
      ->required();
  cmd->add_option("--set", o->sets, "Override a design parameter, key=value (repeatable)");
  cmd->add_option("--sweep", o->sweep, "Design-space table over one parameter, key=v1,v2,...");
  cmd->add_option("--out", o->out,
                  "With --sweep: a new folder for sweep.json (which hwnas report reads)");
  cmd->add_option("--batch", o->batch, "Batch size")->check(CLI::Range(1, 1 << 16));
  cmd->callback([o, &ctx] { ctx.run = [o, &ctx] { run_accel(*o, ctx); }; });
}

}  // namespace hwnas::cli
