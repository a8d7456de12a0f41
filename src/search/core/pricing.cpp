#include "hwnas/search/pricing.h"

#include <fmt/format.h>

namespace hwnas {

namespace {

json metrics_json(const Cost& c, const MetricSet& ms) {
  json m = json::object();
  for (int k = 0; k < kNumMetrics; ++k)
    if (ms.test(k)) m[metric_names()[k]] = c.v[k];
  return m;
}

}  // namespace

const PricedModel& Pricing::model_for(const Constraint& c) const {
  return models_.at(c.model.empty() ? "ir" : c.model);
}

std::vector<CostBound> Pricing::bounds() const {
  std::vector<CostBound> out;
  for (const auto& c : constraints_)
    out.push_back({model_for(c).table.get(), c.metric, c.max, c.min});
  return out;
}

const Constraint* Pricing::violated(const Genotype& g) const {
  std::optional<Arch> arch;  // decoded only for a metric no table holds
  for (const auto& c : constraints_) {
    const PricedModel& pm = model_for(c);
    double v;
    if (pm.table->priced().test(static_cast<int>(c.metric))) {
      v = pm.table->cost(g)[c.metric];
    } else {
      if (!arch) arch = decode(space_, g);
      v = pm.model->network(*arch)[c.metric];
    }
    if (!c.satisfied_by(v)) return &c;
  }
  return nullptr;
}

json Pricing::costs(const Arch& arch) const {
  json j = json::object();
  for (const auto& [name, pm] : models_)
    j[name] = metrics_json(pm.model->network(arch), pm.model->metrics());
  return j;
}

json Pricing::layer_costs(const Arch& arch) const {
  const auto shapes = infer_shapes(arch);
  json models = json::object();
  for (const auto& [name, pm] : models_) {
    const CostModel& m = *pm.model;
    // Whole-network models (measured, tables of networks) have no layers.
    if ((m.metrics() & m.additive()).none()) continue;
    json layers = json::array();
    for (std::size_t i = 0; i < arch.layers.size(); ++i) {
      const LayerContext ctx{arch.layers[i], shapes[i].in, shapes[i].out, 1};
      if (!m.supports(arch.layers[i])) continue;
      json l = {{"index", i}, {"layer", layer_summary(arch.layers[i])}};
      l.update(metrics_json(m.layer(ctx), m.metrics() & m.additive()));
      for (const auto& [k, v] : m.layer_details(ctx)) l[k] = v;
      layers.push_back(std::move(l));
    }
    models[name] = {{"type", m.name()},
                    {"total", metrics_json(m.network(arch), m.metrics() & m.additive())},
                    {"layers", std::move(layers)}};
  }
  return {{"format", "hwnas.layer_costs/1"}, {"arch", arch.name}, {"models", std::move(models)}};
}

json Pricing::flat_costs(const Arch& arch) const {
  json j = json::object();
  const json nested = costs(arch);
  for (const auto& [model, m] : nested.items())
    for (const auto& [metric, v] : m.items()) j[model + "." + metric] = v;
  return j;
}

json Pricing::expected(const std::vector<std::vector<double>>& probs) const {
  json j = json::object();
  for (const auto& [name, pm] : models_) {
    json m = metrics_json(pm.table->expected(probs), pm.table->metrics());
    if (!m.empty()) j[name] = m;
  }
  return j;
}

Genotype first_feasible(const Pricing& pricing, const std::vector<Genotype>& ranked) {
  for (const Genotype& g : ranked) {
    const Arch arch = decode(pricing.space(), g);
    bool ok = true;
    for (const auto& c : pricing.constraints())
      ok = ok && c.satisfied_by(pricing.model_for(c).model->network(arch)[c.metric]);
    if (ok) return g;
  }
  throw std::runtime_error(fmt::format(
      "none of the {} best-ranked architectures meets every constraint on the whole network",
      ranked.size()));
}

Genotype derive_genotype(const Pricing& pricing, const ChoiceScores& log_probs) {
  return first_feasible(pricing, best_feasible(log_probs, pricing.bounds(), 4096, 64));
}

}  // namespace hwnas
