// hwnas latency predict | validate: use and judge a latency table.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/output_path.h"
#include "hwnas/common/stop.h"
#include "hwnas/cost/registry.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/profile/profiler.h"
#include "hwnas/profile/validate.h"
#include "hwnas/train/trainer.h"

namespace hwnas::cli {
namespace fs = std::filesystem;

namespace {

struct LatencyCli {
  std::string arch, space, model, report, measurements, column = "latency_ms",
                                                        genotype_column = "genotype";
  int threads = 1;
  bool pin = false;
  ValidateOptions opt;
};

void run_predict(const LatencyCli& o, const Context& ctx) {
  Arch arch = load_arch(o.arch);
  auto table = std::make_shared<const LatencyTable>(load_latency_table(o.model));
  auto calib = calibration_beside(o.model);
  LutModel lut(table, calib.value_or(LutCalibration{}), calib.has_value());
  ArchStats st = analyze(arch);
  json layers = json::array();
  for (std::size_t i = 0; i < arch.layers.size(); ++i)
    layers.push_back(
        {{"index", i},
         {"layer", layer_summary(arch.layers[i])},
         {"latency_ms",
          lut.layer({arch.layers[i], st.layers[i].in, st.layers[i].out, 1}).latency_ms()}});
  // The calibration's per-network term is a part of its own, so the parts
  // printed add up to the total (each >= 0: the fit keeps its terms so).
  const double network_ms = calib ? calib->per_network_ms : 0.0;
  const double total = lut.network(arch).latency_ms();
  const std::string warning =
      table->device.differences(current_device(set_threads(o.threads), table->device.batch));
  if (!warning.empty()) spdlog::warn("{} was measured on other hardware: {}", table->file, warning);
  if (ctx.json) {
    json j = {{"latency_ms", total},
              {"predictor", lut.name()},
              {"layers", layers},
              {"network_ms", network_ms}};
    if (!warning.empty()) j["warning"] = "the table was measured on other hardware: " + warning;
    return print_json(j);
  }
  for (const auto& l : layers)
    std::cout << fmt::format("{:>4}  {:<30} {:>10.4f} ms\n", l["index"].get<int>(),
                             l["layer"].get<std::string>(), l["latency_ms"].get<double>());
  if (calib)
    std::cout << fmt::format("{:>4}  {:<30} {:>10.4f} ms\n", "", "per network (calibration)",
                             network_ms);
  std::cout << fmt::format("{}: {:.4f} ms predicted by {} ({})\n", arch.name, total, lut.name(),
                           o.model);
}

void run_validate(const LatencyCli& o, Context& ctx) {
  // A new folder, checked before the measuring (minutes) and built beside.
  const fs::path beside = fs::path(o.model).extension() == ".json"
                              ? fs::path(o.model).replace_extension(".validation")
                              : fs::path(o.model + ".validation");
  const std::string dir =
      check_output(o.report.empty() ? beside.string() : o.report, OutputKind::Folder, false,
                   {o.model}, o.report.empty() ? "--report (default)" : "--report");
  Space space = load_space(o.space);
  auto table = std::make_shared<const LatencyTable>(load_latency_table(o.model));
  auto calib = calibration_beside(o.model);
  ValidationReport r;
  if (!o.measurements.empty()) {
    r = validate_against_measurements(
        space, table, calib, read_measurements(o.measurements, space, o.column, o.genotype_column));
  } else {
    set_threads(o.threads);
    if (o.pin && !pin_to_first_cpus(o.threads))
      throw std::runtime_error("cannot pin to CPUs (sched_setaffinity)");
    install_stop_handlers();
    r = validate_latency(space, table, calib, o.opt);
  }
  if (r.samples == 0) {
    ctx.exit_code = 130;
    return;
  }
  StagingFolder staging(dir);
  write_file_atomic(staging.path() + "/report.md", r.markdown());
  write_file_atomic(staging.path() + "/report.json", r.to_json().dump(2) + "\n");
  const bool plot = write_scatter_png(r, staging.path() + "/scatter.png");
  staging.commit();
  if (ctx.json) {
    json j = r.to_json();
    j["report"] = dir;
    return print_json(j);
  }
  std::cout << r.markdown() << "\nreport: " << dir
            << (plot ? " (with scatter.png)" : " (gnuplot missing: no plot)") << "\n";
}

}  // namespace

void register_latency(CLI::App& app, Context& ctx) {
  auto* lat = app.add_subcommand("latency", "Predict, validate and fit latency tables");
  lat->require_subcommand(1);
  auto o = std::make_shared<LatencyCli>();
  auto* pred = lat->add_subcommand("predict", "Predict one arch's latency, per layer");
  pred->add_option("--arch", o->arch, "Architecture JSON")->required();
  pred->add_option("--model", o->model,
                   "Latency table (its .calib.json beside is used when present)")
      ->required();
  pred->callback([o, &ctx] { ctx.run = [o, &ctx] { run_predict(*o, ctx); }; });
  auto* val = lat->add_subcommand(
      "validate", "Measure random archs (or read --measurements) and score every predictor");
  val->add_option("--space", o->space, "Search space name or path")->required();
  val->add_option("--model", o->model, "Latency table")->required();
  val->add_option("--samples", o->opt.samples, "Random archs")->check(CLI::Range(3, 100000));
  val->add_option("--seed", o->opt.seed, "Seed of the sample")->check(seed_text());
  val->add_option("--threads", o->threads, "Intra-op threads (default 1)")
      ->check(CLI::Range(1, 1024));
  val->add_option("--rounds", o->opt.protocol.rounds, "Shuffled passes per measurement")
      ->check(CLI::Range(1, 1000));
  val->add_option("--reps", o->opt.protocol.reps, "Timed runs per arch per round")
      ->check(CLI::Range(1, 100000));
  val->add_option("--report", o->report,
                  "New folder for report.md, report.json, scatter.png (default: the table's "
                  "name with .validation)");
  val->add_flag("--pin", o->pin, "Pin the measuring threads to CPUs 0..threads-1");
  auto* meas = val->add_option("--measurements", o->measurements,
                               "CSV of whole networks timed elsewhere: score against it instead "
                               "of measuring here");
  val->add_option("--column", o->column, "With --measurements: the latency column (ms)")
      ->needs(meas);
  val->add_option("--genotype-column", o->genotype_column,
                  "With --measurements: the genotype column")
      ->needs(meas);
  add_latency_fit(*lat, ctx);
  val->callback([o, &ctx] { ctx.run = [o, &ctx] { run_validate(*o, ctx); }; });
}

}  // namespace hwnas::cli
