#include "hwnas/search/derive.h"

#include <algorithm>
#include <limits>

#include "hwnas/common/error.h"

namespace hwnas {

namespace {

struct Partial {
  Genotype g;
  double score = 0;
  std::vector<double> cost;  // per bound
};

bool tabled(const CostBound& b) {
  return b.table->metrics().test(static_cast<int>(b.metric));
}

double entry(const CostBound& b, int p, int c) {
  return b.table->entry(p, c)[b.metric];
}

// suffix[b][p]: the smallest (lo) / largest (hi) cost positions p.. can add.
std::vector<std::vector<double>> suffix_extreme(const std::vector<CostBound>& bounds, int n,
                                                bool lo) {
  std::vector<std::vector<double>> s(bounds.size(), std::vector<double>(n + 1, 0.0));
  for (std::size_t b = 0; b < bounds.size(); ++b) {
    if (!tabled(bounds[b])) continue;
    for (int p = n - 1; p >= 0; --p) {
      double best =
          lo ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
      for (int c = 0; c < bounds[b].table->choices(p); ++c)
        best = lo ? std::min(best, entry(bounds[b], p, c)) : std::max(best, entry(bounds[b], p, c));
      s[b][p] = s[b][p + 1] + best;
    }
  }
  return s;
}

}  // namespace

std::vector<Genotype> best_feasible(const ChoiceScores& score, const std::vector<CostBound>& bounds,
                                    int beam, int keep) {
  const int n = int(score.size());
  for (const auto& b : bounds)
    HWNAS_ASSERT(b.table && b.table->positions() == n, "best_feasible(): table of another space");
  const auto lo = suffix_extreme(bounds, n, true), hi = suffix_extreme(bounds, n, false);
  const std::size_t nb = bounds.size();
  auto feasible = [&](const Partial& q, int next) {
    for (std::size_t b = 0; b < nb; ++b) {
      if (!tabled(bounds[b])) continue;
      if (bounds[b].max && q.cost[b] + lo[b][next] > *bounds[b].max) return false;
      if (bounds[b].min && q.cost[b] + hi[b][next] < *bounds[b].min) return false;
    }
    return true;
  };
  Partial root;
  for (const auto& b : bounds) root.cost.push_back(tabled(b) ? b.table->fixed()[b.metric] : 0.0);
  std::vector<Partial> front;
  if (feasible(root, 0)) front.push_back(root);
  for (int p = 0; p < n && !front.empty(); ++p) {
    std::vector<Partial> next;
    next.reserve(front.size() * score[p].size());
    for (const Partial& q : front)
      for (int c = 0; c < int(score[p].size()); ++c) {
        Partial r = q;
        r.g.push_back(c);
        r.score += score[p][c];
        for (std::size_t b = 0; b < nb; ++b)
          if (tabled(bounds[b])) r.cost[b] += entry(bounds[b], p, c);
        if (feasible(r, p + 1)) next.push_back(std::move(r));
      }
    const std::size_t width = std::size_t(p + 1 == n ? keep : beam);
    if (next.size() > width) {
      std::nth_element(next.begin(), next.begin() + std::ptrdiff_t(width), next.end(),
                       [](const Partial& a, const Partial& b) { return a.score > b.score; });
      next.resize(width);
    }
    front = std::move(next);
  }
  std::stable_sort(front.begin(), front.end(),
                   [](const Partial& a, const Partial& b) { return a.score > b.score; });
  std::vector<Genotype> out;
  for (auto& q : front) out.push_back(std::move(q.g));
  return out;
}

ChoiceScores frugal_scores(const std::vector<CostBound>& bounds) {
  HWNAS_ASSERT(!bounds.empty(), "frugal_scores(): no bounds");
  const CostTable& t0 = *bounds[0].table;
  ChoiceScores s(t0.positions());
  for (int p = 0; p < t0.positions(); ++p) s[p].assign(t0.choices(p), 0.0);
  for (const auto& b : bounds) {
    if (!tabled(b)) continue;
    const double spread =
        std::max(b.table->max_cost()[b.metric] - b.table->min_cost()[b.metric], 1e-12);
    const double sign = b.max ? -1.0 : 1.0;  // a min bound favours costly choices
    for (int p = 0; p < t0.positions(); ++p)
      for (int c = 0; c < t0.choices(p); ++c) s[p][c] += sign * entry(b, p, c) / spread;
  }
  return s;
}

}  // namespace hwnas
