// hwnas latency fit: a latency table learned from whole-network timings of a
// device hwnas does not run on, or adapted to it from another device's table.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/cost/latency_fit.h"
#include "hwnas/cost/registry.h"

namespace hwnas::cli {

namespace {

struct FitCli {
  std::string space, measurements, column = "latency_ms", genotype_column = "genotype", prior, out;
  std::string layers = "all";
  int shots = 0;
  bool force = false;
  FitOptions opt;
};

void run_fit(FitCli o, const Context& ctx) {
  if (!o.prior.empty() && o.shots == 0)
    throw InputError("--shots",
                     "--prior needs --shots K: how many of the file's networks (the "
                     "first K) the transfer uses");
  std::vector<std::string> inputs = {o.measurements};
  if (!o.prior.empty()) inputs.push_back(o.prior);
  o.out = check_table_outputs(o.out, o.force, inputs);
  o.opt.live_only = o.layers == "live";
  const Space space = load_space(o.space);
  const Measurements all = read_measurements(o.measurements, space, o.column, o.genotype_column);
  LatencyFit f;
  if (o.prior.empty()) {
    f = fit_latency_table(space, all, o.opt);
  } else {
    const LatencyTable prior = load_latency_table(o.prior);
    f = transfer_latency_table(space, prior, calibration_beside(o.prior).value_or(LutCalibration{}),
                               first_networks(all, o.shots), o.opt);
  }
  f.table.file = o.out;
  save_latency_table(f.table, o.out);
  write_file_atomic(
      default_calibration_path(o.out),
      f.calib.to_json(std::filesystem::path(o.out).filename().string()).dump(1) + "\n");
  if (ctx.json) {
    json j = f.report();
    j["networks"] = f.calib.samples;
    j["layers"] = o.layers;
    j["table"] = o.out;
    j["calibration"] = default_calibration_path(o.out);
    return print_json(j);
  }
  std::cout << fmt::format(
      "{} ({}{}) from {} networks of {}: {} layer terms, {} determined one by one, per-network "
      "term {:.4f} ms\nin-sample: {:.1f}% within 10%, Kendall tau {:.3f}, MAPE {:.1f}%\n",
      o.out, o.prior.empty() ? "fit" : "transfer from " + o.prior,
      o.opt.live_only ? ", live layers only" : "", f.calib.samples, o.measurements, f.terms,
      f.identified, f.calib.per_network_ms, 100 * f.in_sample.within_10pct, f.in_sample.kendall_tau,
      100 * f.in_sample.mape);
  if (!f.pooled_into_network.empty())
    std::cout << fmt::format("{} layers every network holds equally are in the per-network term\n",
                             f.pooled_into_network.size());
  if (!f.collinear.empty())
    std::cout << fmt::format(
        "{} layer terms are collinear with others in this data: only their "
        "sums are determined (listed in the table's protocol.collinear)\n",
        f.collinear.size());
  std::cout << fmt::format("calibration: {}\n", default_calibration_path(o.out));
}

}  // namespace

void add_latency_fit(CLI::App& latency, Context& ctx) {
  auto o = std::make_shared<FitCli>();
  auto* fit = latency.add_subcommand(
      "fit",
      "Fit a latency table to whole-network timings of a device (or adapt one with --prior)");
  fit->add_option("--space", o->space, "Search space name or path")->required();
  fit->add_option("--measurements", o->measurements,
                  "CSV: a genotype column and a latency column in ms, one row per network")
      ->required();
  fit->add_option("--column", o->column, "The latency column (default: latency_ms)");
  fit->add_option("--genotype-column", o->genotype_column,
                  "The genotype column (default: genotype)");
  fit->add_option("--device-name", o->opt.device,
                  "The measured device, for the table's provenance (default: the column)");
  auto* prior = fit->add_option("--prior", o->prior,
                                "A table of the same space from another device, to adapt");
  fit->add_option("--shots", o->shots, "With --prior: adapt from the file's first K networks")
      ->check(CLI::Range(1, 1000000))
      ->needs(prior);
  fit->add_option("--layers", o->layers,
                  "Which layers a network's latency sums: all, or live (for devices whose "
                  "converter folds constants: layers that compute only zeros, or feed only "
                  "such layers, are dropped; default: all)")
      ->check(CLI::IsMember({"all", "live"}));
  fit->add_option("--out", o->out, "The table to write (and its .calib.json beside)")->required();
  fit->add_flag("--force", o->force, "Replace an existing --out table");
  fit->callback([o, &ctx] { ctx.run = [o, &ctx] { run_fit(*o, ctx); }; });
}

}  // namespace hwnas::cli
