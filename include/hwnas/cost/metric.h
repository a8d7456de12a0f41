#pragma once
// The metrics hwnas prices networks by, and a Cost (one value per metric).
// A leaf: config and the search core name metrics without the cost models.
#include <array>
#include <bitset>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

namespace hwnas {

enum class Metric { LatencyMs, EnergyMj, AreaMm2, Macs, Params };
inline constexpr int kNumMetrics = 5;
/// "latency_ms", "energy_mj", ...
inline const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> n = {"latency_ms", "energy_mj", "area_mm2", "macs",
                                             "params"};
  return n;
}
inline std::string metric_name(Metric m) {
  return metric_names()[static_cast<int>(m)];
}
/// The unit a metric is reported in ("ms", "mJ", "mm^2", "MACs", "params").
inline std::string metric_unit(Metric m) {
  static const char* u[] = {"ms", "mJ", "mm^2", "MACs", "params"};
  return u[static_cast<int>(m)];
}

using MetricSet = std::bitset<kNumMetrics>;
inline MetricSet metric_set(std::initializer_list<Metric> ms) {
  MetricSet s;
  for (Metric m : ms) s.set(static_cast<int>(m));
  return s;
}

/// NaN means "not modelled".
struct Cost {
  std::array<double, kNumMetrics> v{nan(), nan(), nan(), nan(), nan()};

  double& operator[](Metric m) { return v[static_cast<int>(m)]; }
  double operator[](Metric m) const { return v[static_cast<int>(m)]; }
  double latency_ms() const { return (*this)[Metric::LatencyMs]; }
  double energy_mj() const { return (*this)[Metric::EnergyMj]; }
  double area_mm2() const { return (*this)[Metric::AreaMm2]; }
  double macs() const { return (*this)[Metric::Macs]; }
  double params() const { return (*this)[Metric::Params]; }

  /// Zero for every metric in `ms`, NaN elsewhere.
  static Cost zeros(const MetricSet& ms) {
    Cost c;
    for (int i = 0; i < kNumMetrics; ++i)
      if (ms.test(i)) c.v[i] = 0;
    return c;
  }
  static constexpr double nan() { return std::numeric_limits<double>::quiet_NaN(); }
};

}  // namespace hwnas
