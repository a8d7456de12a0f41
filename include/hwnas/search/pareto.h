#pragma once
// Multi-objective selection as NSGA-II defines it (Deb et al., IEEE TEC
// 2002) and the hypervolume indicator. Every objective is minimised; a
// maximised one enters negated. Torch-free.
#include <cstddef>
#include <vector>

namespace hwnas {

using Objectives = std::vector<double>;  ///< one point: every objective, minimised

/// a dominates b: no worse in every objective and better in one.
bool dominates(const Objectives& a, const Objectives& b);

/// Fast non-dominated sort: fronts of indices into `points`, best first.
std::vector<std::vector<std::size_t>> non_dominated_fronts(const std::vector<Objectives>& points);

/// Crowding distance of each member of one front (indices into `points`),
/// in the front's order: per objective, sorted by it, the boundary members
/// get infinity and the others the gap between their neighbours divided by
/// the objective's range on the front (a range of zero adds nothing).
std::vector<double> crowding_distances(const std::vector<Objectives>& points,
                                       const std::vector<std::size_t>& front);

/// Per point, its front (0 = non-dominated) and crowding distance in it.
struct Ranking {
  std::vector<int> rank;
  std::vector<double> crowding;
};
Ranking rank_points(const std::vector<Objectives>& points);

/// NSGA-II's crowded comparison: lower rank wins, then larger crowding.
bool crowded_better(const Ranking& r, std::size_t a, std::size_t b);

/// NSGA-II's elitist survival: `n` indices of `points`, whole fronts first,
/// the last front cut by crowding distance (ties by index).
std::vector<std::size_t> nsga2_survivors(const std::vector<Objectives>& points, std::size_t n);

/// The volume dominated by `points` and bounded by `reference` (points not
/// strictly better than the reference in every objective add nothing).
/// Exact in any dimension (slicing on the last objective; 2-D by a sweep).
double hypervolume(std::vector<Objectives> points, const Objectives& reference);

}  // namespace hwnas
