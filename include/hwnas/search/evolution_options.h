#pragma once
// Strategy `evolution`: the options of the evolution engine (search/evolution.h)
// as a config gives them, with EEEA-Net's early exit and the objectives.
#include <optional>
#include <vector>

#include "hwnas/search/evolution.h"
#include "hwnas/search/strategy_options.h"

namespace hwnas {

/// One objective: `fitness` (the provider's score) or a cost model's metric
/// (`model` empty: the IR's macs or params).
struct ObjectiveSpec {
  std::string model, metric = "fitness";
  bool maximise = true;
  std::string place;
  /// "fitness" or "model.metric", as candidates.jsonl names costs.
  std::string key() const;
  /// Between the objective's own units and Individual::objectives' minimised
  /// form (a maximised one negated); the same map both ways.
  double flip(double v) const { return maximise ? -v : v; }
};

/// Which member of the final front the pipeline takes: among the members
/// whose fitness is within `fitness_within` of the front's best (all when
/// unset), the best by `by` (an objective's key).
struct PickRule {
  std::string by = "fitness";
  bool maximise = true;
  std::optional<double> fitness_within;
};

struct EvolutionOptions : StrategyOptions {
  EvolutionSettings settings;
  /// Default: [{metric: fitness, goal: max}].
  std::vector<ObjectiveSpec> objectives;
  /// Thresholds a sampled candidate must meet before it is scored.
  std::vector<Constraint> early_exit;
  bool early_exit_offspring = false;  ///< apply them to offspring too. Default: false.
  /// The hypervolume's reference point, one value per objective in its own
  /// units. Empty (default): per objective, the first population's worst
  /// value plus a tenth of its range there.
  std::vector<double> hypervolume_reference;
  PickRule pick;

  json to_json() const override;
  void resolve(const OptionsContext& ctx, const Value& node) override;
  bool uses_fitness() const override { return true; }
  std::vector<std::string> objective_models() const override;
  std::string objective_hint() const override {
    return ", or name it in strategy.objectives or strategy.early_exit";
  }
};

void register_evolution_options(StrategyOptionsRegistry& r);

}  // namespace hwnas
