#pragma once
// A run config resolved into the objects a run needs: the space, the cost
// models and their CostTables, the strategy's and the fitness provider's
// options. Everything a user can get wrong is found here, before any
// training starts, without torch.
#include <memory>
#include <string>
#include <vector>

#include "hwnas/config/run_config.h"
#include "hwnas/cost/registry.h"
#include "hwnas/search/fitness_options.h"
#include "hwnas/search/pricing.h"
#include "hwnas/search/strategy_options.h"
#include "hwnas/space/space.h"

namespace hwnas {

struct RunSetup {
  RunConfig config;
  Space space;
  /// By config name, plus "ir" (MACs and params from the IR).
  PricedModels models;
  std::unique_ptr<StrategyOptions> strategy;
  /// Set when the strategy scores candidates (uses_fitness()).
  std::unique_ptr<FitnessOptions> fitness;
  /// Things to tell the user that do not stop the run (a latency table
  /// measured on other hardware).
  std::vector<std::string> warnings;

  Pricing pricing() const { return Pricing(space, models, config.constraints); }
  /// The strategy's options as the type its runner reads.
  template <class T>
  const T& strategy_as() const {
    auto* o = dynamic_cast<const T*>(strategy.get());
    HWNAS_ASSERT(o, "strategy options of type '" + strategy->type + "' read as another type");
    return *o;
  }
  /// The resolved config (strategy and fitness defaults filled in), as a
  /// run directory keeps it.
  json resolved_config() const;
};

/// The registries a run is set up from.
struct SetupRegistries {
  const CostModelRegistry& costs;
  const StrategyOptionsRegistry& strategies = builtin_strategy_options();
  const FitnessOptionsRegistry& fitness = builtin_fitness_options();
};

/// Resolves `config`. Throws ConfigError/InputError naming the config file
/// and key: unknown space, model or strategy type, bad options, a constraint
/// on a metric its model does not give, a constraint no arch of the space can
/// meet, constraints no arch meets together, strategy options that cannot run.
RunSetup prepare_run(RunConfig config, const SetupRegistries& registries);
inline RunSetup prepare_run(RunConfig config, const CostModelRegistry& costs) {
  return prepare_run(std::move(config), SetupRegistries{costs});
}

/// The space a config names: a shipped name, a path relative to the working
/// folder, or a path relative to the config file's folder.
std::string resolve_config_space(const RunConfig& config);

}  // namespace hwnas
