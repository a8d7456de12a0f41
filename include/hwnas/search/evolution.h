#pragma once
// Evolutionary search over a space's genotypes: NSGA-II (Deb et al. 2002),
// aging evolution (Real et al. 2019) and generational tournament selection,
// with EEEA-Net's early exit (candidates over a cost threshold are refused
// before any evaluation). An engine that asks its caller to refuse or score
// candidates: the `evolution` strategy runs it with a fitness provider and
// the run's cost models, benchmarks with a measurement table. Torch-free.
//
// The engine is deterministic for a seed and the scores it is given, so a
// run resumed from a cache of scores replays to where it stopped.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hwnas/search/pareto.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

struct EvolutionSettings {
  std::string selection = "nsga2";  ///< nsga2 | aging | tournament
  int population = 20;
  std::int64_t evaluations = 100;  ///< candidates scored in all, the first population included
  int tournament_size = 5;         ///< aging and tournament: S members drawn per selection
  double mutation_prob = 0;        ///< per position; 0: 1 / positions
  double crossover_prob = 0.9;     ///< nsga2 and tournament: offspring by crossover, then mutation
  /// Stop (InputError) when, after this many draws, fewer than 1 in 10,000
  /// drawn candidates was accepted.
  std::int64_t min_draws = 100000;
};

struct Individual {
  Genotype genotype;
  double fitness = 0;
  Objectives objectives;  ///< every objective, minimised (a maximised one negated)
  int generation = 0;
  std::int64_t index = 0;             ///< order of evaluation
  std::vector<std::int64_t> parents;  ///< indices of the parents (none for a sampled one)
};

struct EvolutionHooks {
  /// "" when `g` may be scored, else why not (a constraint, an early-exit
  /// threshold). `offspring`: made by variation, not sampled.
  std::function<std::string(const Genotype& g, bool offspring)> reject;
  /// Fills `c`'s fitness and objectives (its genotype, index, generation and
  /// parents are set); false when stopped by a signal.
  std::function<bool(Individual& c)> evaluate;
  /// Optional: fills every candidate of a batch whose evaluations do not
  /// depend on each other (the first population, a generation's offspring;
  /// aging evolution's one child), e.g. spread over processes; false when
  /// stopped, and then none of the batch counts. Without it, `evaluate`
  /// scores them one by one. The candidates are the same either way.
  std::function<bool(std::vector<Individual>& batch)> evaluate_batch;
  /// After the first population and each generation (aging: every
  /// `population` evaluations), with the population and every candidate
  /// scored so far. Optional.
  std::function<void(int generation, const std::vector<Individual>& population,
                     const std::vector<Individual>& history)>
      on_generation;
};

struct EvolutionResult {
  bool interrupted = false;
  std::vector<Individual> history;               ///< every candidate scored, in order
  std::vector<Individual> population;            ///< the last population
  std::map<std::string, std::int64_t> rejected;  ///< draws refused, per reason
  std::int64_t draws = 0;
};

/// Throws InputError (place "strategy") when the acceptance rate stays under
/// 1 in 10,000 after `min_draws` draws, naming the rate and the reasons.
EvolutionResult run_evolution(const Space& space, const EvolutionSettings& settings,
                              std::uint64_t seed, const EvolutionHooks& hooks);

/// The non-dominated members of `candidates` by their objectives, in order.
std::vector<Individual> pareto_front(const std::vector<Individual>& candidates);

}  // namespace hwnas
