#pragma once
// The report's sections, one per kind of run (Writer), and the helpers they
// share to read figures out of records and to plot them.
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "page.h"
#include "run_data.h"

namespace hwnas::report {

using Points = std::vector<std::pair<double, double>>;
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// A figure for a table: whole numbers of 10,000 and more in full, with
/// thousands separators; others to `digits` significant digits; "-" for NaN.
std::string fixed(double v, int digits = 4);
/// A fraction as a percentage with two decimals.
std::string percent(double v);
/// A 900x500 plot with its labels.
Plot plot(std::string title, std::string xlabel, std::string ylabel);
PlotSeries series(std::string title, Points pts,
                  std::string style = "linespoints lw 2 pt 7 ps 0.4");

/// (x, y * scale) over records that have both numbers and pass `keep`.
template <class Keep>
Points points_of(const std::vector<json>& records, const std::string& x, const std::string& y,
                 Keep keep, double scale = 1) {
  Points p;
  for (const json& r : records) {
    if (!keep(r)) continue;
    const double a = number(r, x), b = number(r, y);
    if (!std::isnan(a) && std::isfinite(b)) p.emplace_back(a, b * scale);
  }
  return p;
}

/// A string at `key`, `fallback` when absent, the JSON text of anything else.
std::string text_of(const json& j, const std::string& key, const std::string& fallback);
/// A progress event of the engine (no "event" key) and an epoch event.
bool step_event(const json& e);
bool epoch_event(const json& e);
/// The cost key ("model.metric") a run is judged by: the metric of the first
/// latency constraint, else any latency, else the first key there is.
std::string main_cost_key(const json& config, const std::vector<std::string>& keys);
/// {"model": {"metric": v}} -> {"model.metric": v}.
json flat(const json& nested);
/// The bound a config puts on `key` ("model.metric"), or NaN.
double bound_on(const json& config, const std::string& key);
/// A genotype as "0,1,2"; "-" for none.
std::string fmt_genotype(const json& g);

/// Writes the sections of a report into `page`, the plots into `dir`.
class Writer {
 public:
  explicit Writer(std::string dir) : dir_(std::move(dir)) {}
  Page page;

  void run(const RunData& r) {
    switch (r.kind) {
      case RunKind::Search:
        return search(r);
      case RunKind::Train:
        page.heading(2, "Training: " + r.label);
        train(r);
        return;
      case RunKind::Validation:
        return validation(r);
      case RunKind::Sweep:
        return sweep(r);
    }
  }

  void comparison(const std::vector<RunData>& runs);

 private:
  std::string dir_;

  bool figure(const RunData& r, const std::string& what, const Plot& p, std::string caption) {
    return page.figure(p, dir_, r.label + "-" + what + ".png", std::move(caption));
  }

  void warnings(const RunData& r) {
    for (const auto& w : r.warnings) page.text("**Incomplete input:** " + w);
  }

  void train(const RunData& r);
  void curves(const RunData& r);
  void search(const RunData& r);
  void supernet(const RunData& r);
  void random(const RunData& r);
  void evolution(const RunData& r);
  void candidate_plane(const RunData& r, bool fronts_too);
  void coexplore(const RunData& r);
  void growth(const RunData& r);
  void layer_costs(const RunData& r);
  void validation(const RunData& r);
  void sweep(const RunData& r);
};

}  // namespace hwnas::report
