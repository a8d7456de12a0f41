// Report sections of training runs, latency validations and accelerator
// sweeps, and the comparison of several runs.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "sections.h"

namespace hwnas::report {

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

}  // namespace hwnas::report
