#pragma once
// A run's cost models priced over its space, with its constraints: what a
// candidate costs and whether it may be picked. Torch-free; every strategy
// and the run pipeline check candidates here.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hwnas/config/run_config.h"
#include "hwnas/cost/cost_table.h"
#include "hwnas/search/derive.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

struct PricedModel {
  std::unique_ptr<CostModel> model;
  std::unique_ptr<CostTable> table;
};
/// By config name, plus "ir" (MACs and params from the IR).
using PricedModels = std::map<std::string, PricedModel>;

/// A view of the priced models and constraints of one run (all outlive it).
class Pricing {
 public:
  Pricing(const Space& space, const PricedModels& models,
          const std::vector<Constraint>& constraints)
      : space_(space), models_(models), constraints_(constraints) {}

  const Space& space() const { return space_; }
  const PricedModels& models() const { return models_; }
  const std::vector<Constraint>& constraints() const { return constraints_; }
  /// The model a constraint binds to ("ir" when it names none).
  const PricedModel& model_for(const Constraint& c) const;
  /// The constraints as bounds over the CostTables, in config order.
  std::vector<CostBound> bounds() const;

  /// The first constraint `g` misses (tabled metrics from the CostTables,
  /// the others on the whole network), or nullptr when it meets them all.
  const Constraint* violated(const Genotype& g) const;
  /// Every model's metrics of a network: {model: {metric: value}}.
  json costs(const Arch& arch) const;
  /// Every model's costs layer by layer, with the totals and each layer's
  /// details (best.costs.json, which reports read): {"format", "arch",
  /// "models": {model: {"type", "total", "layers": [{index, layer, metrics...}]}}}.
  json layer_costs(const Arch& arch) const;
  /// The same, flat: {"model.metric": value} (candidates.jsonl).
  json flat_costs(const Arch& arch) const;
  /// Expected tabled costs under per-position distributions.
  json expected(const std::vector<std::vector<double>>& probs) const;

 private:
  const Space& space_;
  const PricedModels& models_;
  const std::vector<Constraint>& constraints_;
};

/// The first of `ranked` that meets every constraint by the model it names;
/// throws std::runtime_error when none does.
Genotype first_feasible(const Pricing& pricing, const std::vector<Genotype>& ranked);

/// The most probable genotype (log_probs[position][choice]) that meets every
/// constraint: candidates from best_feasible() over the additive bounds, then
/// each checked on the whole network by the model the constraint names
/// (non-additive metrics included). Throws std::runtime_error when none does.
Genotype derive_genotype(const Pricing& pricing, const ChoiceScores& log_probs);

}  // namespace hwnas
