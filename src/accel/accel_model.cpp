#include "hwnas/accel/accel_model.h"

#include <algorithm>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/paths.h"

namespace hwnas::accel {

NetworkCost evaluate_network(const Arch& arch, const AccelParams& hw, int batch) {
  NetworkCost n;
  n.layers.reserve(arch.layers.size());
  Shape in = arch.input;
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const Layer& l = arch.layers[i];
    n.layers.push_back(analyze_layer(l, in, batch, hw));
    if (!fits(n.layers.back(), hw))
      buffer_error(n.layers.back(), hw,
                   fmt::format("{}: '{}' on {}: layers[{}] ({})", hw.source, hw.name, arch.name, i,
                               layer_summary(l)));
    n.total.add(n.layers.back());
    in = infer_shape(l, in, "layers[" + std::to_string(i) + "]");
  }
  n.latency_ms = latency_ms(n.total.cycles, hw);
  n.energy = energy_by_level(n.total, hw.energy);
  n.energy_mj = energy_mj(n.total, hw);
  return n;
}

DesignCost evaluate_design(const std::vector<Arch>& tasks, const AccelDesign& design, int batch) {
  DesignCost d;
  d.sub_latency_ms.assign(design.subs.size(), 0);
  std::vector<double> sub_cycles(design.subs.size(), 0);
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const int s = design.sub_of_task(int(t), tasks[t].name);
    d.tasks.push_back(evaluate_network(tasks[t], design.subs[s], batch));
    d.task_sub.push_back(s);
    d.sub_latency_ms[s] += d.tasks.back().latency_ms;
    d.energy_mj += d.tasks.back().energy_mj;
    d.energy_mac_units += d.tasks.back().energy.total();
    sub_cycles[s] += d.tasks.back().total.cycles;
  }
  for (const AccelParams& p : design.subs) d.area_mm2 += area_mm2(p);
  const auto slowest = std::max_element(d.sub_latency_ms.begin(), d.sub_latency_ms.end());
  d.latency_ms = *slowest;
  d.cycles = sub_cycles[slowest - d.sub_latency_ms.begin()];  // the critical sub's clock
  return d;
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
          AccelDesign d = load_accel_design(resolve_input_path(file.as_string(), f.file()));
          if (auto sets = f.find("set")) {
            std::vector<std::string> kv;
            for (const Value& v : sets->as_list()) kv.push_back(v.as_string());
            apply_overrides(d, kv);
          }
          if (d.heterogeneous)
            file.fail(
                "a heterogeneous design prices several tasks at once; a cost model needs "
                "a single accelerator");
          return std::make_unique<AcceleratorModel>(d.subs[0]);
        });
}

}  // namespace hwnas::accel
