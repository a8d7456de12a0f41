#pragma once
// The torch half of a search strategy: the runner behind `type:`. A runner
// reads its options (search/strategy_options.h) from the RunSetup, searches,
// and hands the pipeline (search/run.h) either per-position scores for the
// constrained derivation or candidates ranked best first. Its resumable
// state is its own (save_state / load_state), apart from its options; the
// pipeline keeps it in checkpoints/strategy.json and gives it back on
// --resume, the one resume mechanism every strategy uses.
#include <functional>
#include <optional>
#include <string>

#include "hwnas/common/run_dir.h"
#include "hwnas/data/datasets.h"
#include "hwnas/nn/network.h"
#include "hwnas/search/derive.h"
#include "hwnas/search/factory_registry.h"
#include "hwnas/setup/run_setup.h"
#include "hwnas/train/communicator.h"

namespace hwnas {

class FitnessProvider;

/// Everything a strategy runs with; the pipeline owns all of it.
struct SearchContext {
  const RunSetup& setup;
  const Datasets& data;  ///< train and the held-out validation split; test untouched
  const RunDir& run;
  torch::Device device = torch::kCPU;
  Communicator& comm;
  FitnessProvider* fitness = nullptr;  ///< set when the options use one
  /// Writes the strategy's save_state() to checkpoints/strategy.json
  /// atomically; call it whenever the state is consistent with the files.
  std::function<void()> save_state;
};

struct StrategyOutcome {
  bool interrupted = false;
  double seconds = 0;
  /// Either per-position scores (log-probabilities) for derive_genotype(),
  ChoiceScores scores;
  /// or candidates ranked best first (the pipeline picks the first that
  /// meets every constraint on the whole network).
  std::vector<Genotype> ranked;
  /// or the picked network itself, built rather than drawn from the space
  /// (growth), with its trained weights in a file.
  std::optional<Arch> network;
  std::string network_weights;
  json summary = json::object();  ///< what the strategy did, for summary.md and --json
};

class SearchStrategy {
 public:
  virtual ~SearchStrategy() = default;
  /// Searches; on SIGINT/SIGTERM returns interrupted after saving its state.
  virtual StrategyOutcome run(SearchContext& ctx) = 0;
  /// State only: what a resumed run needs that the run's files do not hold.
  virtual json save_state() const = 0;
  virtual void load_state(const json& state) = 0;
  /// True when the runner spreads its fitness evaluations over the ranks
  /// itself (score_spread): its provider then runs on one process. Else a
  /// provider that trains does so on every rank together. Default: false.
  virtual bool spreads_evaluations() const { return false; }
  /// Weights the search learnt for the picked child (a supernet's shared
  /// weights), copied into `child`; false when it has none. Default: none.
  virtual bool inherit_weights(const Genotype& g, ArchNet& child) {
    (void)g, (void)child;
    return false;
  }
};

/// Runners by strategy type (the torch side of StrategyOptionsRegistry).
using StrategyRegistry = FactoryRegistry<SearchStrategy, RunSetup>;

/// Every runner hwnas ships (one per builtin_strategy_options() type).
const StrategyRegistry& builtin_strategies();

void register_supernet_strategies(StrategyRegistry& r);
void register_random_strategy(StrategyRegistry& r);
void register_evolution_strategy(StrategyRegistry& r);
void register_growth_strategy(StrategyRegistry& r);
void register_coexplore_strategy(StrategyRegistry& r);

}  // namespace hwnas
