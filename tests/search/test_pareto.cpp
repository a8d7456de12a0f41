// NSGA-II's sorting, crowding and survival, and the hypervolume, on fronts
// computed by hand.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <catch2/catch.hpp>

#include "hwnas/search/pareto.h"

using namespace hwnas;

namespace {
const double kInf = std::numeric_limits<double>::infinity();
// Front 0: 0, 1, 2; front 1: 3 (dominated by 1), 4 (by 2); front 2: 5.
const std::vector<Objectives> kPoints = {{1, 5}, {2, 3}, {4, 1}, {3, 4}, {5, 2}, {6, 6}};
}  // namespace

TEST_CASE("non-dominated sorting and crowding distance on a hand-made set", "[search][pareto]") {
  CHECK(dominates({1, 2}, {1, 3}));
  CHECK_FALSE(dominates({1, 2}, {1, 2}));  // equal: neither dominates
  CHECK_FALSE(dominates({1, 3}, {2, 2}));
  const auto fronts = non_dominated_fronts(kPoints);
  REQUIRE(fronts.size() == 3);
  CHECK(fronts[0] == std::vector<std::size_t>{0, 1, 2});
  CHECK(fronts[1] == std::vector<std::size_t>{3, 4});
  CHECK(fronts[2] == std::vector<std::size_t>{5});
  // Boundaries infinite; the middle point: (4 - 1) / 3 + (5 - 1) / 4.
  const auto d = crowding_distances(kPoints, fronts[0]);
  CHECK(d[0] == kInf);
  CHECK(d[2] == kInf);
  CHECK(d[1] == Approx(2.0));
  // Four members of a five-point front: neighbours' gaps over each range.
  const std::vector<Objectives> line = {{0, 4}, {1, 3}, {3, 1}, {4, 0}};
  const auto dl = crowding_distances(line, {0, 1, 2, 3});
  CHECK(dl[1] == Approx(3.0 / 4 + 3.0 / 4));
  CHECK(dl[2] == Approx(3.0 / 4 + 3.0 / 4));
  const Ranking r = rank_points(kPoints);
  CHECK(r.rank == std::vector<int>{0, 0, 0, 1, 1, 2});
  CHECK(crowded_better(r, 1, 3));  // lower rank wins
  CHECK(crowded_better(r, 0, 1));  // same rank: the boundary (infinite crowding) wins
}

TEST_CASE("NSGA-II survival keeps whole fronts, then the least crowded", "[search][pareto]") {
  CHECK(nsga2_survivors(kPoints, 3) == std::vector<std::size_t>{0, 1, 2});
  const auto four = nsga2_survivors(kPoints, 4);
  CHECK(four.size() == 4);
  CHECK(std::vector<std::size_t>(four.begin(), four.begin() + 3) ==
        std::vector<std::size_t>{0, 1, 2});
  CHECK((four[3] == 3 || four[3] == 4));
  // Cutting a front drops the most crowded member first: (1, 3), whose
  // distance is (1.2 - 0) / 4 + (4 - 2.8) / 4 = 0.6 against 1.0 and 1.4.
  const std::vector<Objectives> line = {{0, 4}, {1, 3}, {1.2, 2.8}, {3, 1}, {4, 0}};
  const auto kept = nsga2_survivors(line, 4);
  CHECK(kept.size() == 4);
  CHECK(std::find(kept.begin(), kept.end(), 1) == kept.end());
}

TEST_CASE("hypervolume is exact in 2-D and 3-D", "[search][pareto]") {
  // Strips of the hand set's front against (6, 6): 5 + 8 + 4.
  CHECK(hypervolume({{1, 5}, {2, 3}, {4, 1}}, {6, 6}) == Approx(17.0));
  // Dominated points and points outside the reference add nothing.
  CHECK(hypervolume(kPoints, {6, 6}) == Approx(17.0));
  CHECK(hypervolume({{7, 1}, {1, 6}}, {6, 6}) == 0.0);
  // ZDT1's front sampled at f1 = i/99, f2 = 1 - sqrt(f1), reference (1.1, 1.1).
  std::vector<Objectives> zdt1;
  for (int i = 0; i < 100; ++i) zdt1.push_back({i / 99.0, 1 - std::sqrt(i / 99.0)});
  CHECK(hypervolume(zdt1, {1.1, 1.1}) == Approx(0.8714093689).epsilon(1e-9));
  // 3-D by inclusion-exclusion of three boxes: 2 + 2 + 2 - 1 - 1 - 1 + 1.
  CHECK(hypervolume({{0, 1, 1}, {1, 0, 1}, {1, 1, 0}}, {2, 2, 2}) == Approx(4.0));
  CHECK(hypervolume({{1, 1, 1}}, {2, 3, 4}) == Approx(1 * 2 * 3));
  // A constant third objective scales the 2-D volume by its height.
  std::vector<Objectives> flat;
  for (const auto& p : zdt1) flat.push_back({p[0], p[1], 0.25});
  CHECK(hypervolume(flat, {1.1, 1.1, 1.0}) == Approx(0.8714093689 * 0.75).epsilon(1e-9));
  // Against a Monte-Carlo estimate on random 3-D points.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Objectives> pts;
  for (int i = 0; i < 30; ++i) pts.push_back({u(rng), u(rng), u(rng)});
  int inside = 0;
  const int samples = 200000;
  for (int s = 0; s < samples; ++s) {
    const Objectives x = {u(rng), u(rng), u(rng)};
    for (const auto& p : pts)
      if (p[0] <= x[0] && p[1] <= x[1] && p[2] <= x[2]) {
        ++inside;
        break;
      }
  }
  CHECK(hypervolume(pts, {1, 1, 1}) == Approx(double(inside) / samples).margin(0.005));
}
