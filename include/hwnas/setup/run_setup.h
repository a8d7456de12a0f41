#pragma once
// A run config resolved into the objects a run needs: the space, the cost
// models and their CostTables, the strategy's options. Everything a user can
// get wrong is found here, before any training starts.
#include <map>
#include <memory>
#include <string>

#include "hwnas/config/run_config.h"
#include "hwnas/cost/cost_table.h"
#include "hwnas/cost/registry.h"
#include "hwnas/setup/derive.h"
#include "hwnas/setup/strategy_options.h"
#include "hwnas/space/space.h"

namespace hwnas {

struct PricedModel {
  std::unique_ptr<CostModel> model;
  std::unique_ptr<CostTable> table;
};

struct RunSetup {
  RunConfig config;
  Space space;
  /// By config name, plus "ir" (MACs and params from the IR).
  std::map<std::string, PricedModel> models;
  SupernetOptions strategy;
  /// Things to tell the user that do not stop the run (a latency table
  /// measured on other hardware).
  std::vector<std::string> warnings;

  /// The model a constraint binds to ("ir" when it names none).
  const PricedModel& model_for(const Constraint& c) const;
  /// The constraints as bounds over the CostTables, in config order.
  std::vector<CostBound> bounds() const;
};

/// Resolves `config`. Throws ConfigError/InputError naming the config file
/// and key: unknown space or model type, bad options, a constraint on a
/// metric its model does not give, a constraint no arch of the space can meet,
/// constraints no arch meets together, strategy options that cannot run.
RunSetup prepare_run(RunConfig config, const CostModelRegistry& registry);

/// The most probable genotype (log_probs[position][choice]) that meets every
/// constraint: candidates from best_feasible() over the additive bounds, then
/// each checked on the whole network by the model the constraint names
/// (non-additive metrics included). Throws std::runtime_error when none does.
Genotype derive_genotype(const RunSetup& setup, const ChoiceScores& log_probs);

/// The space a config names: a shipped name, a path relative to the working
/// folder, or a path relative to the config file's folder.
std::string resolve_config_space(const RunConfig& config);

}  // namespace hwnas
