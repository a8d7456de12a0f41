#include "hwnas/accel/accel_model.h"

#include <algorithm>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/paths.h"
#include "hwnas/common/text.h"

namespace hwnas::accel {

namespace {

/// Every layer of `arch`, layer i on `hw_of(i)`; latency and energy summed
/// per layer, since the layers may run at different clocks.
template <typename HwOf>
NetworkCost evaluate_layers(const Arch& arch, int batch, HwOf hw_of) {
  NetworkCost n;
  n.layers.reserve(arch.layers.size());
  const auto shapes = infer_shapes(arch);
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const Layer& l = arch.layers[i];
    const AccelParams& hw = hw_of(i);
    n.layers.push_back(analyze_layer(l, shapes[i].in, batch, hw));
    const LayerCost& c = n.layers.back();
    if (!fits(c, hw))
      buffer_error(c, hw,
                   fmt::format("{}: '{}' on {}: layers[{}] ({})", hw.source, hw.name, arch.name, i,
                               layer_summary(l)));
    n.total.add(c);
    n.latency_ms += latency_ms(c.cycles, hw);
    n.energy_mj += energy_mj(c, hw);
    const EnergyByLevel e = energy_by_level(c, hw);
    n.energy.mac += e.mac, n.energy.l1 += e.l1, n.energy.l2 += e.l2, n.energy.dram += e.dram;
  }
  return n;
}

}  // namespace

NetworkCost evaluate_network(const Arch& arch, const AccelParams& hw, int batch) {
  return evaluate_layers(arch, batch, [&](std::size_t) -> const AccelParams& { return hw; });
}

DesignCost evaluate_design(const std::vector<Arch>& tasks, const AccelDesign& design, int batch) {
  // A task left out would leave its sub-accelerators idle with their area
  // counted: a design cost that describes no use of the design.
  if (design.heterogeneous && tasks.size() < design.mapping.size())
    throw InputError(
        design.mapping_place,
        fmt::format("the mapping has {} tasks but {} network{} given; give one "
                    "network (--arch) per task, in the mapping's order",
                    design.mapping.size(), tasks.size(), tasks.size() == 1 ? " was" : "s were"));
  DesignCost d;
  d.sub_latency_ms.assign(design.subs.size(), 0);
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const Arch& a = tasks[t];
    d.layer_sub.push_back(design.layer_subs(int(t), a.name, int(a.layers.size())));
    const std::vector<int>& subs = d.layer_sub.back();
    d.tasks.push_back(evaluate_layers(
        a, batch, [&](std::size_t i) -> const AccelParams& { return design.subs[subs[i]]; }));
    const NetworkCost& n = d.tasks.back();
    for (std::size_t i = 0; i < n.layers.size(); ++i)
      d.sub_latency_ms[subs[i]] += latency_ms(n.layers[i].cycles, design.subs[subs[i]]);
    d.latency_ms = std::max(d.latency_ms, n.latency_ms);  // a task's layers run in order
    d.energy_mj += n.energy_mj;
    d.energy_mac_units += n.energy.total();
  }
  for (const AccelParams& p : design.subs) d.area_mm2 += area_mm2(p);
  for (double busy : d.sub_latency_ms) d.latency_ms = std::max(d.latency_ms, busy);
  d.cycles = design.heterogeneous ? d.latency_ms * design.subs[0].clock_mhz * 1e3
                                  : (d.tasks.empty() ? 0 : d.tasks[0].total.cycles);
  return d;
}

Sweep sweep_design(const std::string& spec, const std::vector<Arch>& tasks, const AccelDesign& base,
                   int batch) {
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    throw InputError("--sweep " + spec, "expected key=v1,v2,..., e.g. pes=64,128,256");
  Sweep sweep;
  sweep.key = spec.substr(0, eq);
  for (const std::string& value : split(spec.substr(eq + 1), ',')) {
    AccelDesign d = base;
    try {
      apply_overrides(d, {sweep.key + "=" + value});
    } catch (const InputError& e) {
      throw e.with_context("in --sweep " + spec);
    }
    // A point whose buffers cannot hold some layer is a row of the table,
    // not the end of it.
    SweepPoint point{value, std::nullopt, "", ""};
    try {
      point.cost = evaluate_design(tasks, d, batch);
    } catch (const BufferError& e) {
      point.error = e.what();
      point.reason = e.message();
    }
    sweep.points.push_back(std::move(point));
  }
  return sweep;
}

Cost AcceleratorModel::layer(const LayerContext& ctx) const {
  const LayerCost c = analyze_layer(ctx.layer, ctx.in, ctx.batch, hw_);
  if (!fits(c, hw_))
    buffer_error(c, hw_,
                 fmt::format("{}: '{}': {}", hw_.source, hw_.name, layer_summary(ctx.layer)));
  Cost out;
  out[Metric::LatencyMs] = latency_ms(c.cycles, hw_);
  out[Metric::EnergyMj] = energy_mj(c, hw_);
  out[Metric::AreaMm2] = 0;
  return out;
}

std::vector<std::pair<std::string, double>> AcceleratorModel::layer_details(
    const LayerContext& ctx) const {
  const LayerCost c = analyze_layer(ctx.layer, ctx.in, ctx.batch, hw_);
  const EnergyByLevel e = energy_by_level(c, hw_);
  return {{"utilisation", c.utilisation()},
          {"cycles", c.cycles},
          {"energy_mac", e.mac},
          {"energy_l1", e.l1},
          {"energy_l2", e.l2},
          {"energy_dram", e.dram}};
}

Cost AcceleratorModel::network(const Arch& arch) const {
  Cost c = sum_layers(*this, arch);
  c[Metric::AreaMm2] = area_mm2(hw_);
  return c;
}

void register_accel_cost_models(CostModelRegistry& r) {
  r.add("accelerator",
        "analytical ASIC accelerator: latency, energy, area (accel = design YAML, set = overrides)",
        [](Fields& f) {
          const Value file = f.get("accel");
          AccelDesign d = load_accel_design(resolve_input_path(file));
          if (auto sets = f.find("set"))
            for (const Value& v : sets->as_list(0, 256))
              apply_override(d, v.as_string(), v.place());
          if (d.heterogeneous)
            file.fail(
                "a heterogeneous design prices several tasks at once; a cost model needs "
                "a single accelerator");
          return std::make_unique<AcceleratorModel>(d.subs[0]);
        });
}

}  // namespace hwnas::accel
