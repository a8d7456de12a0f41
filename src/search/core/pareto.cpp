#include "hwnas/search/pareto.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "hwnas/common/error.h"

namespace hwnas {

bool dominates(const Objectives& a, const Objectives& b) {
  bool better = false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k] > b[k]) return false;
    better = better || a[k] < b[k];
  }
  return better;
}

std::vector<std::vector<std::size_t>> non_dominated_fronts(const std::vector<Objectives>& points) {
  const std::size_t n = points.size();
  if (n == 0) return {};
  const std::size_t m = points[0].size();
  // Lexicographic order: a point can only be dominated by one before it,
  // so each pair needs one one-way check. Flat storage keeps it in cache.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return points[a] < points[b]; });
  std::vector<double> flat(n * m);
  for (std::size_t r = 0; r < n; ++r)
    std::copy(points[order[r]].begin(), points[order[r]].end(), flat.begin() + long(r * m));
  auto dominates_at = [&](std::size_t a, std::size_t b) {  // ranks in `order`
    const double *pa = &flat[a * m], *pb = &flat[b * m];
    bool better = false;
    for (std::size_t k = 0; k < m; ++k) {
      if (pa[k] > pb[k]) return false;
      better = better || pa[k] < pb[k];
    }
    return better;
  };
  std::vector<std::vector<std::size_t>> dominated(n);  // ranks each rank dominates
  std::vector<std::size_t> count(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if (dominates_at(i, j)) {
        dominated[i].push_back(j);
        ++count[j];
      }
  std::vector<std::vector<std::size_t>> fronts;
  std::vector<std::size_t> current;
  for (std::size_t r = 0; r < n; ++r)
    if (count[r] == 0) current.push_back(r);
  while (!current.empty()) {
    std::vector<std::size_t> next, members;
    for (std::size_t r : current) {
      members.push_back(order[r]);
      for (std::size_t j : dominated[r])
        if (--count[j] == 0) next.push_back(j);
    }
    std::sort(members.begin(), members.end());
    fronts.push_back(std::move(members));
    current = std::move(next);
  }
  return fronts;
}

std::vector<double> crowding_distances(const std::vector<Objectives>& points,
                                       const std::vector<std::size_t>& front) {
  const std::size_t m = front.size();
  std::vector<double> d(m, 0.0);
  if (m == 0) return d;
  const std::size_t objectives = points[front[0]].size();
  std::vector<std::size_t> order(m);
  for (std::size_t k = 0; k < objectives; ++k) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return points[front[a]][k] < points[front[b]][k];
    });
    const double lo = points[front[order.front()]][k], hi = points[front[order.back()]][k];
    d[order.front()] = d[order.back()] = std::numeric_limits<double>::infinity();
    if (hi <= lo) continue;
    for (std::size_t r = 1; r + 1 < m; ++r)
      d[order[r]] += (points[front[order[r + 1]]][k] - points[front[order[r - 1]]][k]) / (hi - lo);
  }
  return d;
}

Ranking rank_points(const std::vector<Objectives>& points) {
  Ranking r;
  r.rank.assign(points.size(), 0);
  r.crowding.assign(points.size(), 0.0);
  const auto fronts = non_dominated_fronts(points);
  for (std::size_t f = 0; f < fronts.size(); ++f) {
    const auto d = crowding_distances(points, fronts[f]);
    for (std::size_t i = 0; i < fronts[f].size(); ++i) {
      r.rank[fronts[f][i]] = int(f);
      r.crowding[fronts[f][i]] = d[i];
    }
  }
  return r;
}

bool crowded_better(const Ranking& r, std::size_t a, std::size_t b) {
  if (r.rank[a] != r.rank[b]) return r.rank[a] < r.rank[b];
  return r.crowding[a] > r.crowding[b];
}

std::vector<std::size_t> nsga2_survivors(const std::vector<Objectives>& points, std::size_t n) {
  std::vector<std::size_t> out;
  for (const auto& front : non_dominated_fronts(points)) {
    if (out.size() >= n) break;
    if (out.size() + front.size() <= n) {
      out.insert(out.end(), front.begin(), front.end());
      continue;
    }
    const auto d = crowding_distances(points, front);
    std::vector<std::size_t> order(front.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return d[a] > d[b]; });
    for (std::size_t i = 0; out.size() < n; ++i) out.push_back(front[order[i]]);
  }
  return out;
}

namespace {

// 2-D: sweep by the first objective, adding each point's strip.
double hypervolume_2d(std::vector<Objectives> points, const Objectives& ref) {
  std::sort(points.begin(), points.end());
  double volume = 0, best_y = ref[1];
  for (const auto& p : points) {
    if (p[1] >= best_y) continue;  // dominated by an earlier point
    volume += (ref[0] - p[0]) * (best_y - p[1]);
    best_y = p[1];
  }
  return volume;
}

}  // namespace

double hypervolume(std::vector<Objectives> points, const Objectives& reference) {
  const std::size_t d = reference.size();
  HWNAS_ASSERT(d >= 1, "hypervolume needs an objective");
  // Only points strictly inside the reference box count.
  points.erase(std::remove_if(points.begin(), points.end(),
                              [&](const Objectives& p) {
                                HWNAS_ASSERT(p.size() == d, "hypervolume: point sizes differ");
                                for (std::size_t k = 0; k < d; ++k)
                                  if (!(p[k] < reference[k])) return true;
                                return false;
                              }),
               points.end());
  if (points.empty()) return 0;
  if (d == 1) {
    double best = reference[0];
    for (const auto& p : points) best = std::min(best, p[0]);
    return reference[0] - best;
  }
  if (d == 2) return hypervolume_2d(std::move(points), reference);
  // Slice along the last objective: between consecutive values, the
  // (d-1)-dimensional volume of the points at or below the slice.
  std::sort(points.begin(), points.end(),
            [&](const Objectives& a, const Objectives& b) { return a[d - 1] < b[d - 1]; });
  const Objectives ref_lower(reference.begin(), reference.end() - 1);
  double volume = 0;
  std::vector<Objectives> below;
  for (std::size_t i = 0; i < points.size(); ++i) {
    below.emplace_back(points[i].begin(), points[i].end() - 1);
    const double top = i + 1 < points.size() ? points[i + 1][d - 1] : reference[d - 1];
    const double height = top - points[i][d - 1];
    if (height > 0) volume += height * hypervolume(below, ref_lower);
  }
  return volume;
}

}  // namespace hwnas
