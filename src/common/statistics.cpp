#include "hwnas/common/statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "hwnas/common/error.h"

namespace hwnas {

double percentile(std::vector<double> v, double q) {
  HWNAS_ASSERT(!v.empty(), "percentile of nothing");
  std::sort(v.begin(), v.end());
  const double pos = q / 100.0 * double(v.size() - 1);
  const auto lo = std::size_t(std::floor(pos));
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - double(lo)) * (v[hi] - v[lo]);
}

double median(std::vector<double> v) {
  return percentile(std::move(v), 50);
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

double kendall_tau(const std::vector<double>& a, const std::vector<double>& b) {
  HWNAS_ASSERT(a.size() == b.size(), "kendall_tau of unequal lengths");
  double concordant = 0, discordant = 0, ties_a = 0, ties_b = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = i + 1; j < a.size(); ++j) {
      const double da = a[i] - a[j], db = b[i] - b[j];
      if (da == 0 && db == 0) continue;  // tied in both: counts in neither
      if (da == 0)
        ties_a += 1;
      else if (db == 0)
        ties_b += 1;
      else if ((da > 0) == (db > 0))
        concordant += 1;
      else
        discordant += 1;
    }
  const double denom =
      std::sqrt((concordant + discordant + ties_a) * (concordant + discordant + ties_b));
  return denom > 0 ? (concordant - discordant) / denom : 0.0;
}

namespace {
std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<std::size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](std::size_t x, std::size_t y) { return v[x] < v[y]; });
  std::vector<double> r(v.size());
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    for (std::size_t k = i; k <= j; ++k) r[idx[k]] = 0.5 * double(i + j) + 1.0;
    i = j + 1;
  }
  return r;
}
double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const double ma = mean(a), mb = mean(b);
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}
}  // namespace

double spearman_rho(const std::vector<double>& a, const std::vector<double>& b) {
  HWNAS_ASSERT(a.size() == b.size(), "spearman of unequal lengths");
  return pearson(average_ranks(a), average_ranks(b));
}

Agreement agreement(const std::vector<double>& p, const std::vector<double>& m) {
  HWNAS_ASSERT(p.size() == m.size() && !p.empty(), "agreement needs equal, non-empty lists");
  Agreement g;
  double se = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double rel = std::fabs(p[i] - m[i]) / m[i];
    se += (p[i] - m[i]) * (p[i] - m[i]);
    g.mape += rel;
    g.within_5pct += rel <= 0.05;
    g.within_10pct += rel <= 0.10;
  }
  const double n = double(p.size());
  g.rmse = std::sqrt(se / n);
  g.mape /= n;
  g.within_5pct /= n;
  g.within_10pct /= n;
  g.kendall_tau = kendall_tau(p, m);
  g.spearman = spearman_rho(p, m);
  return g;
}

}  // namespace hwnas
