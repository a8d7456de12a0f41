// hwnas report: one section per run (by the command and strategy that wrote
// it), then, for several runs, their results side by side.
#include "hwnas/report/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/output_path.h"
#include "page.h"
#include "run_data.h"

namespace hwnas::report {

namespace fs = std::filesystem;

namespace {

using Points = std::vector<std::pair<double, double>>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A figure for a table: whole numbers of 10,000 and more in full, with
// thousands separators; others to `digits` significant digits.
std::string fixed(double v, int digits = 4) {
  if (std::isnan(v)) return "-";
  if (std::abs(v) >= 1e4 && std::abs(v) < 1e15 && v == std::floor(v)) {
    std::string d = fmt::format("{:.0f}", std::abs(v)), out;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (i > 0 && (d.size() - i) % 3 == 0) out += ',';
      out += d[i];
    }
    return v < 0 ? "-" + out : out;
  }
  return fmt::format("{:.{}g}", v, digits);
}
std::string percent(double v) {
  return std::isnan(v) ? "-" : fmt::format("{:.2f}%", 100 * v);
}

Plot plot(std::string title, std::string xlabel, std::string ylabel) {
  Plot p;
  p.title = std::move(title);
  p.xlabel = std::move(xlabel);
  p.ylabel = std::move(ylabel);
  p.width = 900;
  p.height = 500;
  return p;
}

PlotSeries series(std::string title, Points pts,
                  std::string style = "linespoints lw 2 pt 7 ps 0.4") {
  PlotSeries s;
  s.title = std::move(title);
  s.points = std::move(pts);
  s.style = std::move(style);
  return s;
}

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
std::string text_of(const json& j, const std::string& key, const std::string& fallback) {
  if (!j.is_object() || !j.contains(key)) return fallback;
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

bool step_event(const json& e) {
  return !e.contains("event");
}
bool epoch_event(const json& e) {
  return text_of(e, "event", "") == "epoch";
}

/// The cost key ("model.metric") a run is judged by: the metric of the first
/// latency constraint, else any latency, else the first key there is.
std::string main_cost_key(const json& config, const std::vector<std::string>& keys) {
  if (keys.empty()) return "";
  if (config.contains("constraints") && config["constraints"].is_array())
    for (const json& c : config["constraints"]) {
      if (!c.is_object() || text_of(c, "metric", "") != "latency_ms") continue;
      const std::string k = text_of(c, "model", "ir") + ".latency_ms";
      if (std::find(keys.begin(), keys.end(), k) != keys.end()) return k;
    }
  for (const auto& k : keys)
    if (k.size() > 11 && k.compare(k.size() - 11, 11, ".latency_ms") == 0) return k;
  return keys[0];
}

/// {"model": {"metric": v}} -> {"model.metric": v}.
json flat(const json& nested) {
  json out = json::object();
  if (!nested.is_object()) return out;
  for (const auto& [m, metrics] : nested.items())
    if (metrics.is_object())
      for (const auto& [k, v] : metrics.items()) out[m + "." + k] = v;
  return out;
}

/// The bound a config puts on `key` ("model.metric"), or NaN.
double bound_on(const json& config, const std::string& key) {
  if (!config.contains("constraints") || !config["constraints"].is_array()) return kNaN;
  for (const json& c : config["constraints"])
    if (c.is_object() && text_of(c, "model", "ir") + "." + text_of(c, "metric", "") == key)
      return number(c, "max");
  return kNaN;
}

std::string fmt_genotype(const json& g) {
  if (!g.is_array()) return g.is_null() ? "-" : g.dump();
  std::string s;
  for (const auto& v : g)
    s += (s.empty() ? "" : ",") + (v.is_string() ? v.get<std::string>() : v.dump());
  return s;
}

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

// Loss and accuracy over steps: the window means every log_every steps, the
// epoch means and the validation figures.
void Writer::curves(const RunData& r) {
  const auto& ev = r.events;
  const bool arch =
      std::any_of(ev.begin(), ev.end(), [](const json& e) { return e.contains("arch_loss"); });
  Plot loss = plot(r.label + ": loss", "step", "cross-entropy");
  loss.series.push_back(series("train (window)", points_of(ev, "step", "loss", step_event)));
  loss.series.push_back(series("train (epoch)", points_of(ev, "step", "train_loss", epoch_event),
                               "linespoints lw 2 pt 7"));
  loss.series.push_back(series("validation (epoch)", points_of(ev, "step", "val_loss", epoch_event),
                               "linespoints lw 2 pt 5"));
  if (arch)
    loss.series.push_back(
        series("architecture step", points_of(ev, "step", "arch_loss", step_event)));
  loss.settings = {"key top right"};
  figure(r, "loss", loss, "Loss over training steps");

  Plot acc = plot(r.label + ": accuracy", "step", "top-1 (%)");
  acc.series.push_back(
      series("train (window)", points_of(ev, "step", "accuracy", step_event, 100)));
  acc.series.push_back(series("train (epoch)",
                              points_of(ev, "step", "train_accuracy", epoch_event, 100),
                              "linespoints lw 2 pt 7"));
  acc.series.push_back(series("validation (epoch)",
                              points_of(ev, "step", "val_accuracy", epoch_event, 100),
                              "linespoints lw 2 pt 5"));
  if (arch)
    acc.series.push_back(
        series("architecture step", points_of(ev, "step", "arch_accuracy", step_event, 100)));
  figure(r, "accuracy", acc, "Accuracy over training steps");
}

void Writer::train(const RunData& r) {
  warnings(r);
  // `hwnas train` trains by `retrain:` when the config has one.
  const char* section = r.config.contains("retrain") ? "retrain" : "train";
  const json t = r.config.contains(section) ? r.config[section] : json::object();
  const json* done = r.last_event("done");
  std::vector<Row> rows = {{"epochs", "steps", "test top-1", "test top-5", "seconds"}};
  rows.push_back({fixed(number(t, "epochs")), done ? fixed(number(*done, "step"), 8) : "-",
                  done ? percent(number(*done, "test_accuracy")) : "-",
                  done ? percent(number(*done, "test_top5")) : "-",
                  done ? fixed(number(*done, "seconds")) : "-"});
  if (!done) page.text("The training has not finished (no `done` event).");
  page.table(rows);
  curves(r);
}

void Writer::search(const RunData& r) {
  page.heading(2, fmt::format("Search: {} ({})", r.label, r.strategy));
  warnings(r);
  std::string setup =
      fmt::format("Space `{}`, strategy `{}`, seed {}.", text_of(r.config, "space", "?"),
                  r.strategy, r.config.contains("seed") ? r.config["seed"].dump() : "0");
  if (r.config.contains("constraints") && r.config["constraints"].is_array() &&
      !r.config["constraints"].empty()) {
    setup += " Constraints:";
    for (const json& c : r.config["constraints"])
      if (c.is_object())
        setup +=
            fmt::format("{} {}.{} <= {}", setup.back() == ':' ? "" : ",", text_of(c, "model", "ir"),
                        text_of(c, "metric", "?"), fixed(number(c, "max"), 6));
    setup += ".";
  }
  page.text(setup);

  const json* derived = r.last_event("derived");
  const json* done = r.last_event("done");
  std::vector<Row> rows = {{"result", "value"}};
  if (derived) {
    const json g = derived->value("genotype", json());
    rows.push_back({"architecture", g.is_array() && !g.empty()
                                        ? fmt_genotype(g)
                                        : "not of the space: best.arch.json"});
    rows.push_back({"search seconds", fixed(number(*derived, "search_seconds"))});
    const json costs = flat(derived->value("costs", json()));
    for (const auto& [k, v] : costs.items())
      rows.push_back({k, v.is_number() ? fixed(v.get<double>(), 6) : v.dump()});
  }
  if (done) {
    rows.push_back({"test top-1", percent(number(*done, "test_accuracy"))});
    rows.push_back({"test top-5", percent(number(*done, "test_top5"))});
    rows.push_back({"retrained", done->value("retrained", false) ? "yes" : "no"});
    rows.push_back({"total seconds", fixed(number(*done, "seconds"))});
  }
  if (!done)
    page.text(derived ? "The run stopped after the search, before its final training ended."
                      : "The search has not finished (no `derived` event).");
  page.table(rows);

  if (r.strategy == "proxyless" || r.strategy == "fbnet") supernet(r);
  if (r.strategy == "random") random(r);
  if (r.strategy == "evolution") evolution(r);
  if (r.strategy == "coexplore") coexplore(r);
  if (r.strategy == "growth") growth(r);
  layer_costs(r);
  if (r.retrain) {
    page.heading(3, "Final training (retrain/)");
    train(*r.retrain);
  }
}

void Writer::supernet(const RunData& r) {
  page.heading(3, "Supernet training");
  curves(r);
  Plot cost =
      plot(r.label + ": expected latency and constraint penalty", "step", "expected latency (ms)");
  cost.series.push_back(
      series("expected latency", points_of(r.events, "step", "expected_latency_ms", step_event)));
  cost.series.push_back(series("penalty (right axis)",
                               points_of(r.events, "step", "penalty", step_event),
                               "lines lw 2 axes x1y2"));
  cost.settings = {"y2tics", "y2label 'penalty'", "ytics nomirror", "key top right",
                   "offsets 0, 0, graph 0.05, graph 0.05"};
  // The bound on the loss model's latency, when there is one.
  const json& strategy = r.config["strategy"];
  const json loss = strategy.contains("loss") ? strategy["loss"] : json();
  const double b = bound_on(r.config, text_of(loss, "model", "") + ".latency_ms");
  if (std::isfinite(b) && !cost.series[0].points.empty()) {
    cost.series.push_back(series("bound", {}, "lines dt 2 lw 2 lc 'black'"));
    cost.series.back().function = fmt::format("{:.10g}", b);
  }
  figure(r, "cost", cost, "Expected latency of the architecture distribution, and the penalty");

  // Architecture probabilities: one row per (position, candidate), one
  // column per epoch.
  if (r.arch_probs.empty()) return;
  std::vector<std::vector<std::vector<double>>> probs;  // [epoch][position][choice]
  for (const json& a : r.arch_probs) {
    if (!a.contains("probs") || !a["probs"].is_array()) continue;
    std::vector<std::vector<double>> e;
    for (const json& p : a["probs"]) {
      std::vector<double> row;
      if (p.is_array())
        for (const json& v : p) row.push_back(v.is_number() ? v.get<double>() : 0.0);
      e.push_back(row);
    }
    if (!probs.empty() && (e.size() != probs[0].size())) continue;
    probs.push_back(std::move(e));
  }
  if (probs.empty()) return;
  Plot heat = plot(r.label + ": architecture probabilities", "epoch", "position");
  heat.height = std::max(500, int(16 * 8 * probs[0].size() / 2));
  PlotSeries cells;
  cells.style = "image";
  std::string tics;
  int row = 0;
  for (std::size_t p = 0; p < probs[0].size(); ++p) {
    const std::size_t n = probs[0][p].size();
    tics += fmt::format("{}'{}' {}", tics.empty() ? "" : ", ", p, row + (double(n) - 1) / 2);
    for (std::size_t c = 0; c < n; ++c, ++row)
      for (std::size_t e = 0; e < probs.size(); ++e)
        cells.xyz.push_back(
            {double(e), double(row), c < probs[e][p].size() ? probs[e][p][c] : 0.0});
  }
  heat.series.push_back(std::move(cells));
  heat.settings = {"palette defined (0 'white', 1 '#08306b')",
                   "cbrange [0:*]",
                   "cblabel 'probability'",
                   fmt::format("xrange [-0.5:{}]", probs.size() - 0.5),
                   fmt::format("yrange [{}:-0.5]", row - 0.5),
                   "ytics (" + tics + ")",
                   "xtics 1"};
  figure(r, "arch-probs", heat,
         "Architecture probabilities per epoch: each band is a position, each row in it a "
         "candidate (top: the first)");
}

void Writer::random(const RunData& r) {
  page.heading(3, "Candidates");
  Points all, best;
  double top = -INFINITY;
  for (const json& e : r.events) {
    if (text_of(e, "event", "") != "candidate") continue;
    const double i = number(e, "index"), f = number(e, "fitness");
    if (std::isnan(i) || !std::isfinite(f)) continue;
    all.emplace_back(i, f);
    top = std::max(top, f);
    best.emplace_back(i, top);
  }
  Plot p = plot(r.label + ": candidates", "candidate", "fitness");
  p.series.push_back(series("candidate", all, "points pt 7 ps 0.8"));
  p.series.push_back(series("best so far", best, "steps lw 2"));
  figure(r, "candidates", p, "Fitness of each candidate scored, and the best so far");
  candidate_plane(r, false);
}

void Writer::evolution(const RunData& r) {
  page.heading(3, "Evolution");
  candidate_plane(r, true);
  Plot hv = plot(r.label + ": hypervolume", "generation", "hypervolume / first population's");
  hv.series.push_back(
      series("hypervolume ratio",
             points_of(r.events, "generation", "hypervolume_ratio",
                       [](const json& e) { return text_of(e, "event", "") == "generation"; }),
             "linespoints lw 2 pt 7"));
  figure(r, "hypervolume", hv, "Hypervolume of the front over generations");
}

// Every candidate on the plane of the run's main cost and its fitness, the
// bound, the chosen one and (evolution) the fronts of the first and last
// generations.
void Writer::candidate_plane(const RunData& r, bool fronts_too) {
  std::vector<std::string> keys;
  if (!r.candidates.empty() && r.candidates[0].contains("costs") &&
      r.candidates[0]["costs"].is_object())
    for (const auto& [k, v] : r.candidates[0]["costs"].items()) keys.push_back(k);
  const std::string key = main_cost_key(r.config, keys);
  std::map<long, std::pair<double, double>> by_index;  // index -> (cost, fitness)
  PlotSeries all;
  all.title = fronts_too ? "candidate (colour: generation)" : "candidate";
  all.style = fronts_too ? "points pt 7 ps 0.8 palette" : "points pt 7 ps 0.8";
  for (const json& c : r.candidates) {
    const double x = c.contains("costs") ? number(c["costs"], key) : kNaN;
    const double y = number(c, "fitness"), g = number(c, "generation");
    if (std::isnan(x) || !std::isfinite(y)) continue;
    all.xyz.push_back({x, y, std::isnan(g) ? 0 : g});
    const double i = number(c, "index");
    if (!std::isnan(i)) by_index[long(i)] = {x, y};
  }
  Plot p = plot(r.label + ": candidates", key.empty() ? "cost" : key, "fitness");
  p.series.push_back(std::move(all));
  p.settings = {"key bottom right"};
  if (fronts_too) p.settings.push_back("cblabel 'generation'");
  // The front after the first generation and after the last.
  std::vector<std::size_t> fronts;
  if (fronts_too && !r.pareto.empty()) fronts.push_back(0);
  if (fronts_too && r.pareto.size() > 1) fronts.push_back(r.pareto.size() - 1);
  for (std::size_t k : fronts) {
    const json& f = r.pareto[k];
    Points front;
    if (f.contains("front") && f["front"].is_array())
      for (const json& m : f["front"]) {
        auto it = by_index.find(long(number(m, "index")));
        if (it != by_index.end()) front.push_back(it->second);
      }
    std::sort(front.begin(), front.end());
    p.series.push_back(series(
        fmt::format("front after generation {}", fixed(number(f, "generation"))), front,
        k == 0 && fronts.size() > 1 ? "linespoints dt 2 lw 1 pt 6" : "linespoints lw 2 pt 5"));
  }
  if (const json* d = r.last_event("derived")) {
    const double x = number(flat(d->value("costs", json())), key);
    for (const json& c : r.candidates)
      if (c.value("genotype", json()) == d->value("genotype", json()) && !std::isnan(x))
        p.series.push_back(
            series("chosen", {{x, number(c, "fitness")}}, "points pt 9 ps 2.5 lc 'red'"));
  }
  const double b = bound_on(r.config, key);
  if (!std::isnan(b))
    p.settings.push_back(fmt::format("arrow from {}, graph 0 to {}, graph 1 nohead dt 3", b, b));
  figure(r, "plane", p,
         fronts_too ? "Every candidate scored, the Pareto fronts and the chosen architecture"
                    : "Every candidate scored and the chosen architecture");
}

void Writer::coexplore(const RunData& r) {
  page.heading(3, "Co-exploration");
  Points ok, bad, lat_ok, lat_bad;
  double best = -INFINITY;
  Points best_line;
  for (const json& c : r.candidates) {
    const double i = number(c, "index"), rew = number(c, "reward");
    if (std::isnan(i) || !std::isfinite(rew)) continue;
    const bool feasible = c.value("feasible", false);
    (feasible ? ok : bad).emplace_back(i, rew);
    if (feasible) best = std::max(best, rew);
    if (std::isfinite(best)) best_line.emplace_back(i, best);
    const json& costs = c.contains("costs") ? c["costs"] : json();
    const double l = number(costs, "latency_ms"), e = number(costs, "energy_mj");
    if (!std::isnan(l) && !std::isnan(e)) (feasible ? lat_ok : lat_bad).emplace_back(l, e);
  }
  Plot p = plot(r.label + ": reward per sample", "sample", "reward");
  p.series.push_back(series("meets the specs", ok, "points pt 7 ps 0.6"));
  p.series.push_back(series("misses a spec", bad, "points pt 6 ps 0.6 lc 'gray'"));
  p.series.push_back(series("best feasible so far", best_line, "steps lw 2"));
  figure(r, "reward", p, "Reward of each sample (network and accelerator design)");
  Plot d = plot(r.label + ": latency and energy of the designs", "latency (ms)", "energy (mJ)");
  d.series.push_back(series("meets the specs", lat_ok, "points pt 7 ps 0.6"));
  d.series.push_back(series("misses a spec", lat_bad, "points pt 6 ps 0.6 lc 'gray'"));
  d.settings = {"logscale xy"};
  figure(r, "designs", d, "Latency against energy of every sample's design");

  // The trade-off found: reward against latency of the samples that meet
  // the specs, their front (no faster sample with a higher reward), the
  // pick, and the successive flow's design when the run made one.
  Points feasible;
  for (const json& c : r.candidates) {
    const double l = c.contains("costs") ? number(c["costs"], "latency_ms") : kNaN;
    const double rew = number(c, "reward");
    if (c.value("feasible", false) && std::isfinite(l) && std::isfinite(rew))
      feasible.emplace_back(l, rew);
  }
  std::sort(feasible.begin(), feasible.end());
  Points front;
  for (const auto& p : feasible)
    if (front.empty() || p.second > front.back().second) front.push_back(p);
  Plot f = plot(r.label + ": reward against latency", "latency (ms)", "reward");
  f.series.push_back(series("meets the specs", feasible, "points pt 7 ps 0.6"));
  f.series.push_back(series("front", front, "steps lw 2"));
  for (const char* flow : {"coexplored", "successive"}) {
    const json& res =
        r.coexplore.is_object() && r.coexplore.contains(flow) ? r.coexplore[flow] : json();
    const double l = res.contains("costs") ? number(res["costs"], "latency_ms") : kNaN;
    if (std::isfinite(l) && std::isfinite(number(res, "reward")))
      f.series.push_back(series(flow, {{l, number(res, "reward")}},
                                std::string(flow) == "coexplored" ? "points pt 9 ps 2.5 lc 'red'"
                                                                  : "points pt 5 ps 2 lc 'black'"));
  }
  const json& strategy = r.config["strategy"];
  const double spec = strategy.contains("specs") ? number(strategy["specs"], "latency_ms") : kNaN;
  if (std::isfinite(spec))
    f.settings.push_back(fmt::format("arrow from {0}, graph 0 to {0}, graph 1 nohead dt 3", spec));
  figure(r, "front", f,
         "Reward against latency of the samples that meet the specs, the front and the pick");
}

void Writer::growth(const RunData& r) {
  page.heading(3, "Lineage");
  std::map<long, std::pair<double, double>> nets;  // id -> (id, accuracy)
  Points trained, edges, failed;
  for (const json& n : r.candidates) {
    const double id = number(n, "id"), acc = number(n, "val_accuracy");
    if (std::isnan(id) || !n.value("trained", false) || std::isnan(acc)) continue;
    nets[long(id)] = {id, 100 * acc};
    (n.value("feasible", true) ? trained : failed).emplace_back(id, 100 * acc);
  }
  for (const json& n : r.candidates) {
    auto child = nets.find(long(number(n, "id")));
    auto parent = nets.find(long(number(n, "parent")));
    if (child == nets.end() || parent == nets.end()) continue;
    edges.push_back(parent->second);
    edges.push_back(child->second);
    edges.emplace_back(kNaN, kNaN);
  }
  Plot p = plot(r.label + ": lineage", "net (in the order grown)", "validation top-1 (%)");
  p.series.push_back(series("grown from", edges, "lines lc 'gray'"));
  p.series.push_back(series("net", trained, "points pt 7 ps 1"));
  p.series.push_back(series("misses a constraint", failed, "points pt 6 ps 1 lc 'red'"));
  figure(r, "lineage", p, "Each net grown, joined to the net it was grown from");
}

void Writer::layer_costs(const RunData& r) {
  if (!r.layer_costs.is_object() || !r.layer_costs.contains("models")) return;
  page.heading(3, "Costs of the chosen architecture, layer by layer");
  for (const auto& [name, m] : r.layer_costs["models"].items()) {
    if (!m.is_object() || !m.contains("layers") || !m["layers"].is_array()) continue;
    const json& layers = m["layers"];
    for (const char* metric : {"latency_ms", "energy_mj", "macs"}) {
      Points v;
      for (const json& l : layers)
        if (std::isfinite(number(l, metric))) v.emplace_back(number(l, "index"), number(l, metric));
      if (v.empty()) continue;
      Plot p = plot(fmt::format("{}: {} per layer ({})", r.label, metric, name), "layer", metric);
      p.series.push_back(series(metric, v, "boxes fs solid 0.6"));
      p.settings = {"boxwidth 0.8", "yrange [0:*]", "key top right"};
      figure(r, name + "-" + metric, p, fmt::format("Per-layer {} on `{}`", metric, name));
    }
    // Accelerator models: energy by memory level (stacked) and utilisation.
    static const std::vector<std::string> levels = {"energy_dram", "energy_l2", "energy_l1",
                                                    "energy_mac"};
    if (!layers.empty() && layers[0].contains("energy_mac")) {
      Plot p = plot(fmt::format("{}: energy by level ({})", r.label, name), "layer",
                    "energy (8-bit MAC units)");
      for (std::size_t k = 0; k < levels.size(); ++k) {
        Points v;  // stacked: each bar is the sum of its level and those below
        for (const json& l : layers) {
          double s = 0;
          for (std::size_t j = k; j < levels.size(); ++j) s += std::max(0.0, number(l, levels[j]));
          v.emplace_back(number(l, "index"), s);
        }
        p.series.push_back(series(levels[k].substr(7), v, "boxes fs solid 0.7"));
      }
      p.settings = {"boxwidth 0.8", "yrange [0:*]", "key top right"};
      figure(r, name + "-energy-levels", p, fmt::format("Energy by memory level on `{}`", name));
      Plot u =
          plot(fmt::format("{}: utilisation ({})", r.label, name), "layer", "PE utilisation (%)");
      u.series.push_back(
          series("utilisation",
                 points_of(
                     layers, "index", "utilisation", [](const json&) { return true; }, 100),
                 "boxes fs solid 0.6"));
      u.settings = {"boxwidth 0.8", "yrange [0:100]", "key top right"};
      figure(r, name + "-utilisation", u, fmt::format("PE utilisation per layer on `{}`", name));
    }
  }
  page.drop_empty_heading();
}

void Writer::validation(const RunData& r) {
  const json& v = r.validation;
  page.heading(2, fmt::format("Latency validation: {} ({})", r.label, text_of(v, "space", "?")));
  page.text(fmt::format(
      "Table `{}`, {} networks{}.", text_of(v, "table", "?"), fixed(number(v, "samples"), 8),
      v.contains("measurements") ? ", measured in " + v["measurements"].dump() : ""));
  std::vector<Row> rows = {
      {"predictor", "within 5%", "within 10%", "Kendall tau", "Spearman", "MAPE"}};
  Plot p = plot(r.label + ": predicted vs measured latency", "measured (ms)", "predicted (ms)");
  p.width = p.height = 700;
  p.series.push_back(series("exact", {}, "lines lc 'black'"));
  p.series.back().function = "x";
  p.series.push_back(series("+/-10%", {}, "lines dt 2 lc 'gray'"));
  p.series.back().function = "1.1*x";
  p.series.push_back(series("", {}, "lines dt 2 lc 'gray'"));
  p.series.back().function = "0.9*x";
  const json measured = v.value("measured", json::array());
  bool points = false;
  if (v["predictors"].is_object())
    for (const auto& [name, a] : v["predictors"].items()) {
      rows.push_back({name, percent(number(a, "within_5pct")), percent(number(a, "within_10pct")),
                      fixed(number(a, "kendall_tau"), 3), fixed(number(a, "spearman"), 3),
                      percent(number(a, "mape"))});
      const json pred = v.contains("predicted") ? v["predicted"].value(name, json()) : json();
      Points pts;
      if (pred.is_array() && measured.is_array() && pred.size() == measured.size())
        for (std::size_t i = 0; i < pred.size(); ++i)
          if (pred[i].is_number() && measured[i].is_number())
            pts.emplace_back(measured[i].get<double>(), pred[i].get<double>());
      points = points || !pts.empty();
      p.series.push_back(series(name, pts, "points pt 7 ps 0.6"));
    }
  page.table(rows);
  if (points)
    figure(r, "scatter", p, "Predicted against measured latency, with the +/-10% band");
  else
    page.text(
        "The report holds no per-network values (written by an older hwnas): no scatter plot.");
}

void Writer::sweep(const RunData& r) {
  const json& s = r.sweep;
  const std::string key = text_of(s, "sweep", "?");
  page.heading(2, fmt::format("Accelerator sweep: {} ({} over {})", r.label,
                              text_of(s, "accelerator", "?"), key));
  std::vector<Row> rows = {
      {key, "latency (ms)", "energy (mJ)", "area (mm^2)", "utilisation", "bound"}};
  Plot p = plot(r.label + ": sweep over " + key, key, "relative to the first feasible value");
  std::string tics;
  const char* metrics[] = {"latency_ms", "energy_mj", "area_mm2"};
  std::vector<Points> lines(3);
  double base[3] = {kNaN, kNaN, kNaN};
  int i = 0;
  for (const json& pt : s["points"]) {
    const std::string value = text_of(pt, "value", "?");
    tics += fmt::format("{}'{}' {}", tics.empty() ? "" : ", ", value, i);
    if (!pt.value("feasible", false)) {
      rows.push_back({value, "infeasible: " + text_of(pt, "error", ""), "", "", "", ""});
    } else {
      rows.push_back({value, fixed(number(pt, "latency_ms"), 6), fixed(number(pt, "energy_mj"), 6),
                      fixed(number(pt, "area_mm2"), 6), percent(number(pt, "utilisation")),
                      text_of(pt, "bound", "-")});
      for (int m = 0; m < 3; ++m) {
        const double x = number(pt, metrics[m]);
        if (std::isnan(base[m]) && x > 0) base[m] = x;
        if (!std::isnan(x) && base[m] > 0) lines[m].emplace_back(i, x / base[m]);
      }
    }
    ++i;
  }
  page.table(rows);
  for (int m = 0; m < 3; ++m)
    p.series.push_back(series(metrics[m], lines[m], "linespoints lw 2 pt 7"));
  p.settings = {"xtics (" + tics + ")", fmt::format("xrange [-0.5:{}]", i - 0.5), "key top left"};
  figure(r, "sweep", p, "Latency, energy and area over the swept parameter");
}

// Runs side by side: a table of results, each run's chosen network on one
// accuracy-latency plane, and the final trainings' curves on shared axes.
void Writer::comparison(const std::vector<RunData>& runs) {
  page.heading(2, "Runs compared");
  std::vector<std::string> keys;
  for (const auto& r : runs)
    if (const json* d = r.last_event("derived")) {
      const json costs = flat(d->value("costs", json()));
      for (const auto& [k, v] : costs.items())
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    }
  const std::string key = main_cost_key(runs[0].config, keys);
  std::vector<Row> rows = {{"run", "kind", "test top-1", key.empty() ? "cost" : key, "seconds"}};
  Plot plane = plot("Chosen networks: accuracy against " + key, key, "test top-1 (%)");
  plane.settings = {"key outside right top",
                    "offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05"};
  Plot loss = plot("Final training of each run: loss", "step", "train loss (window)");
  loss.settings = {"key top right"};
  Plot accs = plot("Final training of each run: accuracy per epoch", "epoch", "top-1 (%)");
  accs.settings = {"key bottom right"};
  for (const auto& r : runs) {
    const char* kinds[] = {"search", "train", "latency validation", "accelerator sweep"};
    std::string kind = kinds[int(r.kind)];
    if (r.kind == RunKind::Search) kind += " (" + r.strategy + ")";
    const json* done = r.last_event("done");
    const json* derived = r.last_event("derived");
    const double acc = done ? number(*done, "test_accuracy") : kNaN;
    const double cost = derived ? number(flat(derived->value("costs", json())), key) : kNaN;
    rows.push_back({r.label, kind, percent(acc), fixed(cost, 6),
                    done ? fixed(number(*done, "seconds")) : "-"});
    if (!std::isnan(acc) && !std::isnan(cost))
      plane.series.push_back(series(r.label, {{cost, 100 * acc}}, "points pt 7 ps 2"));
    const RunData& t = r.retrain ? *r.retrain : r;
    if (t.kind == RunKind::Train) {
      loss.series.push_back(series(r.label, points_of(t.events, "step", "loss", step_event)));
      accs.series.push_back(series(
          r.label + " train", points_of(t.events, "epoch", "train_accuracy", epoch_event, 100)));
      accs.series.push_back(series(r.label + " validation",
                                   points_of(t.events, "epoch", "val_accuracy", epoch_event, 100),
                                   "linespoints lw 2 dt 2 pt 5"));
    }
  }
  page.table(rows);
  page.figure(plane, dir_, "compare-accuracy-cost.png", "The chosen network of each run");
  page.figure(loss, dir_, "compare-loss.png", "Training loss of each run's final training");
  page.figure(accs, dir_, "compare-accuracy.png",
              "Accuracy per epoch of each run's final training (dashed: validation, when the run "
              "had a validation split)");
}

}  // namespace

std::string default_out(const std::vector<std::string>& runs) {
  if (runs.size() != 1)
    throw InputError("--out", "several runs need --out: the folder their report goes to");
  std::string r = runs[0];
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  return r + "/report";
}

Result write_report(const Options& o) {
  if (o.runs.empty()) throw InputError("RUN", "expected at least one run directory");
  std::vector<RunData> runs;
  std::set<std::string> labels;
  for (const auto& path : o.runs) {
    runs.push_back(read_run(path));
    std::string label = runs.back().label;
    for (int k = 2; labels.count(label); ++k) label = fmt::format("{}-{}", runs.back().label, k);
    labels.insert(label);
    runs.back().label = label;
    if (runs.back().retrain) runs.back().retrain->label = label + "-retrain";
  }
  if (!gnuplot_available())
    throw InputError("gnuplot",
                     "not found: reports draw their plots with gnuplot; install "
                     "Debian's gnuplot-nox (apt-get install gnuplot-nox)");
  // An earlier report may be replaced (--force), never any other folder.
  std::string out = o.out;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  const bool replace = fs::exists(out);
  if (replace) {
    if (!o.force)
      throw InputError(out, "exists; give --force to replace an earlier report, or another --out");
    if (!fs::is_regular_file(out + "/index.json"))
      throw InputError(out, "exists and is not a report folder (no index.json): not replaced");
  } else {
    check_output(out, OutputKind::Folder, false, o.runs, "--out");
  }

  Result res;
  res.out = out;
  StagingFolder staging(out);
  Writer w(staging.path());
  w.page.heading(1, runs.size() == 1 ? "hwnas report: " + runs[0].label
                                     : fmt::format("hwnas report: {} runs", runs.size()));
  std::string list = "Runs:";
  for (const auto& r : runs) list += " `" + r.path + "`";
  w.page.text(list);
  for (const auto& r : runs) {
    try {
      w.run(r);
    } catch (const json::exception& e) {  // a value of an unexpected type
      throw InputError(r.path, fmt::format("unexpected content: {}", e.what()));
    }
    for (const auto& wmsg : r.warnings) res.warnings.push_back(wmsg);
    res.damaged = res.damaged || r.damaged;
  }
  if (runs.size() > 1) try {
      w.comparison(runs);
    } catch (const json::exception& e) {
      throw InputError(runs[0].path, fmt::format("unexpected content: {}", e.what()));
    }
  write_file_atomic(staging.path() + "/report.md", w.page.markdown());
  res.files.push_back("report.md");
  if (o.html) {
    write_file_atomic(staging.path() + "/report.html", w.page.html(staging.path(), "hwnas report"));
    res.files.push_back("report.html");
  }
  for (const auto& f : w.page.files()) res.files.push_back(f);
  // What this folder is: `--force` replaces only a folder that holds one.
  json paths = json::array();
  for (const auto& r : runs) paths.push_back(r.path);
  res.files.push_back("index.json");
  write_file_atomic(
      staging.path() + "/index.json",
      json({{"format", "hwnas.report/1"}, {"runs", paths}, {"files", res.files}}).dump(2) + "\n");
  if (replace) {
    const std::string old = out + ".old-report";
    fs::remove_all(old);
    fs::rename(out, old);
    try {
      staging.commit();
    } catch (...) {
      fs::rename(old, out);
      throw;
    }
    fs::remove_all(old);
  } else {
    staging.commit();
  }
  return res;
}

}  // namespace hwnas::report
