#pragma once
// Robust statistics and agreement measures for latency work.
#include <vector>

namespace hwnas {

/// Linear-interpolated percentile, q in [0, 100]; the input need not be sorted.
double percentile(std::vector<double> v, double q);
double median(std::vector<double> v);
/// Arithmetic mean; 0 for an empty input.
double mean(const std::vector<double>& v);

/// Kendall's tau-b (ties in either variable handled), O(n^2).
double kendall_tau(const std::vector<double>& a, const std::vector<double>& b);
/// Spearman's rho: Pearson correlation of average ranks.
double spearman_rho(const std::vector<double>& a, const std::vector<double>& b);

/// How well `predicted` matches `measured` (same order).
struct Agreement {
  double rmse = 0;         ///< same unit as the inputs
  double mape = 0;         ///< mean |p - m| / m
  double within_5pct = 0;  ///< share with |p - m| / m <= 0.05
  double within_10pct = 0;
  double kendall_tau = 0, spearman = 0;
};
Agreement agreement(const std::vector<double>& predicted, const std::vector<double>& measured);

}  // namespace hwnas
