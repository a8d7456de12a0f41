#include "hwnas/profile/validate.h"

#include <tuple>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hwnas/common/error.h"
#include "hwnas/common/plot.h"
#include "hwnas/cost/flops_model.h"
#include "hwnas/nn/network.h"
#include "hwnas/profile/profiler.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

namespace {

json agreement_json(const Agreement& a) {
  return {{"within_5pct", a.within_5pct},
          {"within_10pct", a.within_10pct},
          {"kendall_tau", a.kendall_tau},
          {"spearman", a.spearman},
          {"mape", a.mape},
          {"rmse_ms", a.rmse}};
}

// latency = macs / (gmacs_per_s * 1e6) + overhead, least squares on (macs, ms) points.
std::optional<FlopsModelOptions> fit_flops(const LutCalibration& c) {
  std::vector<double> macs, ms;
  for (const auto& p : c.points) {
    if (!p.contains("macs")) return std::nullopt;
    macs.push_back(p["macs"].get<double>());
    ms.push_back(p["measured_ms"].get<double>());
  }
  return hwnas::fit_flops(macs, ms);
}

}  // namespace

const PredictorResult& ValidationReport::best() const {
  HWNAS_ASSERT(!predictors.empty(), "no predictors");
  const PredictorResult* b = &predictors[0];
  auto rank = [](const Agreement& a) {
    return std::make_tuple(a.within_10pct, a.within_5pct, a.kendall_tau);
  };
  for (const auto& p : predictors)
    if (rank(p.agreement) > rank(b->agreement)) b = &p;
  return *b;
}

json ValidationReport::to_json() const {
  json preds = json::object(), predicted = json::object();
  for (const auto& p : predictors) {
    preds[p.name] = agreement_json(p.agreement);
    predicted[p.name] = p.predicted;
  }
  json j = {{"samples", samples},
            {"space", space},
            {"table", table},
            {"predictors", preds},
            {"best", predictors.empty() ? "" : best().name},
            {"noise_floor", agreement_json(noise_floor)},
            {"naive_floor", agreement_json(naive_floor)},
            // Per network, so a report can draw the scatter again.
            {"measured", measured},
            {"predicted", predicted}};
  if (!source.empty()) {
    j.erase("noise_floor"), j.erase("naive_floor");
    j["measurements"] = source;
  }
  if (!device_warning.empty()) j["warning"] = device_warning;
  return j;
}

std::string ValidationReport::markdown() const {
  std::string md =
      source.empty()
          ? fmt::format("# Latency validation: {} ({} random archs)\n\nTable: `{}`\n\n", space,
                        samples, table)
          : fmt::format("# Latency validation: {} ({} networks measured in {})\n\nTable: `{}`\n\n",
                        space, samples, source, table);
  if (!device_warning.empty()) md += "**Warning:** " + device_warning + "\n\n";
  md +=
      "| predictor | within 5% | within 10% | Kendall tau | Spearman | MAPE | RMSE (ms) "
      "|\n|---|---|---|---|---|---|---|\n";
  auto row = [&](const std::string& name, const Agreement& a) {
    md += fmt::format("| {} | {:.1f}% | {:.1f}% | {:.3f} | {:.3f} | {:.1f}% | {:.4f} |\n", name,
                      100 * a.within_5pct, 100 * a.within_10pct, a.kendall_tau, a.spearman,
                      100 * a.mape, a.rmse);
  };
  for (const auto& p : predictors) row(p.name, p.agreement);
  if (remeasured.empty()) return md;  // measured elsewhere: no second pass to compare
  row("noise floor (protocol, 2nd pass)", noise_floor);
  row("noise floor (naive median)", naive_floor);
  md +=
      "\nThe noise floors compare two independent measurements of the same archs: no predictor can "
      "agree with a measurement better than the measurement agrees with itself.\n";
  return md;
}

ValidationReport validate_against_measurements(const Space& space,
                                               std::shared_ptr<const LatencyTable> table,
                                               const std::optional<LutCalibration>& calib,
                                               const Measurements& m) {
  if (table->space != space.name)
    throw InputError(table->file,
                     fmt::format("is a table of space {}, not {}", table->space, space.name));
  ValidationReport r;
  r.space = space.name;
  r.table = table->file;
  r.source = m.file + " (" + m.column + ")";
  r.samples = int(m.ms.size());
  r.measured = m.ms;
  r.macs = network_macs(space, m.genotypes);
  auto add = [&](const std::string& name, std::vector<double> predicted) {
    PredictorResult p{name, std::move(predicted), {}};
    p.agreement = agreement(p.predicted, r.measured);
    r.predictors.push_back(std::move(p));
  };
  add("lut", predict_latency(space, *table, LutCalibration{}, m.genotypes));
  if (calib) add("lut-calibrated", predict_latency(space, *table, *calib, m.genotypes));
  // Fitted on the same file: an optimistic baseline, named so.
  if (auto f = hwnas::fit_flops(r.macs, r.measured)) {
    const FlopsModel flops(*f);
    std::vector<double> p;
    for (const auto& g : m.genotypes) p.push_back(flops.network(decode(space, g)).latency_ms());
    add("flops (fitted on this file)", std::move(p));
  }
  return r;
}

ValidationReport validate_latency(const Space& space, std::shared_ptr<const LatencyTable> table,
                                  const std::optional<LutCalibration>& calib,
                                  const ValidateOptions& opt) {
  ValidationReport r;
  r.space = space.name;
  r.table = table->file;
  if (table->space != space.name)
    throw InputError(table->file,
                     fmt::format("was measured for space {}, not {}", table->space, space.name));
  auto diff = table->device.differences(current_device(at::get_num_threads(), opt.batch));
  if (!diff.empty()) r.device_warning = "the table was measured on other hardware: " + diff;
  Rng rng(opt.seed);
  std::vector<Arch> archs;
  for (int i = 0; i < opt.samples; ++i) archs.push_back(decode(space, sample(space, rng)));
  for (const auto& a : archs) r.macs.push_back(double(count_totals(a).macs));

  // Predictions first: a missing table entry fails before minutes of measuring.
  std::vector<std::pair<std::string, std::unique_ptr<CostModel>>> models;
  models.emplace_back("lut", std::make_unique<LutModel>(table));
  if (calib) {
    models.emplace_back("lut-calibrated", std::make_unique<LutModel>(table, *calib, true));
    if (auto f = fit_flops(*calib)) models.emplace_back("flops", std::make_unique<FlopsModel>(*f));
  }
  for (auto& [name, m] : models) {
    PredictorResult p;
    p.name = name;
    for (const auto& a : archs) p.predicted.push_back(m->network(a).latency_ms());
    r.predictors.push_back(std::move(p));
  }

  // The same built networks serve both protocols and both passes.
  const auto runs = network_runs(archs, opt.batch);
  auto first = measure_networks(runs, opt.protocol);
  if (first.empty()) return r;
  // The naive protocol: consecutive runs, plain median, two passes.
  for (const auto& f : runs) r.naive.push_back(measure_naive(f, opt.naive_runs));
  ProtocolOptions second_opt = opt.protocol;
  second_opt.seed += 104729;  // another interleaving order
  auto second = measure_networks(runs, second_opt);
  if (second.empty()) return r;
  for (const auto& f : runs) r.naive_again.push_back(measure_naive(f, opt.naive_runs));
  for (std::size_t i = 0; i < archs.size(); ++i) {
    r.measured.push_back(first[i].value_ms);
    r.remeasured.push_back(second[i].value_ms);
  }
  for (auto& p : r.predictors) p.agreement = agreement(p.predicted, r.measured);
  r.noise_floor = agreement(r.remeasured, r.measured);
  r.naive_floor = agreement(r.naive_again, r.naive);
  r.samples = opt.samples;
  return r;
}

bool write_scatter_png(const ValidationReport& r, const std::string& path) {
  double hi = 0;
  for (double m : r.measured) hi = std::max(hi, m);
  for (const auto& p : r.predictors)
    for (double v : p.predicted) hi = std::max(hi, v);
  hi *= 1.05;
  Plot plot;
  plot.title = fmt::format("Latency: predicted vs measured ({}, {} archs)", r.space, r.samples);
  plot.xlabel = "measured (ms)";
  plot.ylabel = "predicted (ms)";
  plot.width = plot.height = 800;
  plot.settings = {fmt::format("xrange [0:{}]", hi), fmt::format("yrange [0:{}]", hi),
                   "key top left inside"};
  plot.series.push_back({"exact", {}, "x", "lines lc 'black'"});
  plot.series.push_back({"+/-10%", {}, "1.1*x", "lines dt 2 lc 'gray'"});
  plot.series.push_back({"", {}, "0.9*x", "lines dt 2 lc 'gray'"});
  for (const auto& p : r.predictors) {
    PlotSeries s{p.name, {}, "", "points pt 7 ps 0.6"};
    for (std::size_t i = 0; i < r.measured.size(); ++i)
      s.points.emplace_back(r.measured[i], p.predicted[i]);
    plot.series.push_back(std::move(s));
  }
  return write_plot_png(plot, path);
}

}  // namespace hwnas
