#pragma once
// Constrained derivation: the most probable architectures of a space (under
// independent per-position distributions) whose additive costs meet every
// bound, found by a beam search over the CostTables. Partial genotypes that
// cannot be completed within a bound (their cost plus the cheapest possible
// rest exceeds it) are pruned, so whatever comes back meets every additive
// bound; non-additive metrics are left to the caller, on whole networks.
// Torch-free.
#include <optional>
#include <vector>

#include "hwnas/config/run_config.h"
#include "hwnas/cost/cost_table.h"

namespace hwnas {

struct CostBound {
  const CostTable* table = nullptr;
  Metric metric = Metric::LatencyMs;
  std::optional<double> max, min;
};

/// score[position][choice]: log-probability (or any additive score) of each choice.
using ChoiceScores = std::vector<std::vector<double>>;

/// Up to `keep` genotypes, best total score first, each meeting every bound
/// whose metric its table holds. Exact when the beam never fills (`beam`
/// >= the number of feasible partial genotypes at every depth). Empty when
/// none was found.
std::vector<Genotype> best_feasible(const ChoiceScores& score, const std::vector<CostBound>& bounds,
                                    int beam = 4096, int keep = 16);

/// Scores that favour cheap choices (each bound's cost, normalised by its
/// spread, negated): with them best_feasible() finds a feasible arch when
/// the bounds together are hard to meet.
ChoiceScores frugal_scores(const std::vector<CostBound>& bounds);

}  // namespace hwnas
