// Report sections of search runs: the result, then what each strategy
// leaves behind (supernet curves, candidates, fronts, lineage), then the
// chosen network's costs layer by layer.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "sections.h"

namespace hwnas::report {

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

}  // namespace hwnas::report
