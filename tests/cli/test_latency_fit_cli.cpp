// hwnas latency fit and latency validate --measurements through the CLI, on
// a measurement file a known table generates.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/files.h"
#include "hwnas/cost/latency_fit.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
namespace fs = std::filesystem;

TEST_CASE("latency fit writes a table that validates against held-out networks",
          "[cli][latency][fit]") {
  const auto dir = test::temp_dir("latency-fit-cli");
  write_file_atomic(dir + "/evo4.yaml", test::kEvo4Space);
  const Space space = load_space(dir + "/evo4.yaml");
  LatencyTable truth;
  truth.space = space.name;
  int i = 0;
  for (const auto& [l, in] : distinct_layers(space)) truth.add({l, in, 0.2 + 0.03 * i++, 0, 1});
  LutCalibration c;
  c.per_network_ms = 0.5;
  std::vector<Genotype> gs;
  enumerate(space, [&](const Genotype& g) {
    gs.push_back(g);
    return true;
  });
  const auto ms = predict_latency(space, truth, c, gs);
  std::string fit_csv = "ops,note,ms\n", test_csv = "ops,ms\n";
  for (std::size_t k = 0; k < gs.size(); ++k) {
    std::string ops;
    for (int v : gs[k]) ops += char('0' + v);
    (k % 5 ? fit_csv : test_csv) +=
        k % 5 ? fmt::format("{},x,{}\n", ops, ms[k]) : fmt::format("{},{}\n", ops, ms[k]);
  }
  write_file_atomic(dir + "/fit.csv", fit_csv);
  write_file_atomic(dir + "/test.csv", test_csv);

  auto fit = test::run_hwnas({"latency", "fit", "--space", dir + "/evo4.yaml", "--measurements",
                              dir + "/fit.csv", "--genotype-column", "ops", "--column", "ms",
                              "--device-name", "toy board", "--out", dir + "/toy.json", "--json"});
  INFO(fit.err);
  REQUIRE(fit.rc == 0);
  const json fj = json::parse(fit.out);
  CHECK(fj["residuals"]["within_10pct"] == 1.0);
  CHECK(fs::exists(dir + "/toy.calib.json"));
  const LatencyTable t = load_latency_table(dir + "/toy.json");
  CHECK(t.device.kind == "fitted");
  CHECK(t.device.cpu_model == "toy board");
  CHECK(t.protocol["networks"] == 64);

  auto val =
      test::run_hwnas({"latency", "validate", "--space", dir + "/evo4.yaml", "--model",
                       dir + "/toy.json", "--measurements", dir + "/test.csv", "--genotype-column",
                       "ops", "--column", "ms", "--report", dir + "/report", "--json"});
  INFO(val.err);
  REQUIRE(val.rc == 0);
  const json vj = json::parse(val.out);
  CHECK(vj["samples"] == 17);
  CHECK(vj["predictors"]["lut-calibrated"]["within_5pct"] == 1.0);
  CHECK(vj["predictors"].contains("flops (fitted on this file)"));
  CHECK_FALSE(vj.contains("noise_floor"));
  CHECK(fs::exists(dir + "/report/report.md"));

  // Transfer from the fitted table to a device twice as slow, from 10 networks.
  std::string slow = "ops,ms\n";
  for (std::size_t k = 0; k < gs.size(); k += 2) {
    std::string ops;
    for (int v : gs[k]) ops += char('0' + v);
    slow += fmt::format("{},{}\n", ops, 2 * ms[k]);
  }
  write_file_atomic(dir + "/slow.csv", slow);
  auto tr =
      test::run_hwnas({"latency", "fit", "--space", dir + "/evo4.yaml", "--measurements",
                       dir + "/slow.csv", "--genotype-column", "ops", "--column", "ms", "--prior",
                       dir + "/toy.json", "--shots", "10", "--out", dir + "/slow.json", "--json"});
  INFO(tr.err);
  REQUIRE(tr.rc == 0);
  CHECK(json::parse(tr.out)["residuals"]["within_10pct"] == 1.0);
  CHECK(load_latency_table(dir + "/slow.json").protocol["common_scale"].get<double>() ==
        Approx(2).epsilon(0.05));

  // Refused with exit 2, and nothing written or lost.
  const std::string before = read_text_file(dir + "/toy.json");
  auto refused = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"latency",           "fit", "--space",  dir + "/evo4.yaml",
                                     "--genotype-column", "ops", "--column", "ms"};
    args.insert(args.end(), extra.begin(), extra.end());
    return test::run_hwnas(args);
  };
  auto exists = refused({"--measurements", dir + "/fit.csv", "--out", dir + "/toy.json"});
  CHECK(exists.rc == 2);
  CHECK_THAT(exists.err, Catch::Contains("toy.json"));
  auto shots = refused({"--measurements", dir + "/slow.csv", "--prior", dir + "/toy.json",
                        "--shots", "100", "--out", dir + "/new.json"});
  CHECK(shots.rc == 2);
  CHECK_THAT(shots.err, Catch::Contains("more networks than the file's 41"));
  auto no_shots = refused({"--measurements", dir + "/slow.csv", "--prior", dir + "/toy.json",
                           "--out", dir + "/new.json"});
  CHECK(no_shots.rc == 2);
  CHECK_THAT(no_shots.err, Catch::Contains("--shots"));
  auto column = test::run_hwnas({"latency", "fit", "--space", dir + "/evo4.yaml", "--measurements",
                                 dir + "/slow.csv", "--genotype-column", "ops", "--column",
                                 "latency", "--out", dir + "/new.json"});
  CHECK(column.rc == 2);
  CHECK_THAT(column.err, Catch::Contains("no column 'latency'"));
  auto layers = refused(
      {"--measurements", dir + "/fit.csv", "--layers", "alive", "--out", dir + "/new.json"});
  CHECK(layers.rc == 2);
  CHECK_THAT(layers.err, Catch::Contains("--layers") && Catch::Contains("alive"));
  CHECK_FALSE(fs::exists(dir + "/new.json"));
  CHECK_FALSE(fs::exists(dir + "/new.calib.json"));
  CHECK(read_text_file(dir + "/toy.json") == before);

  // --layers live on a chain space (no layer is ever constant) fits the same
  // table, marked as counting live layers.
  auto live = refused({"--measurements", dir + "/fit.csv", "--layers", "live", "--out",
                       dir + "/live.json", "--json"});
  INFO(live.err);
  REQUIRE(live.rc == 0);
  const json lj = json::parse(live.out);
  CHECK(lj["layers"] == "live");
  CHECK(lj["networks"] == 64);
  CHECK(lj["residuals"] == fj["residuals"]);
  CHECK(load_latency_table(dir + "/live.json").live_layers_only);
  CHECK_FALSE(load_latency_table(dir + "/toy.json").live_layers_only);
}

TEST_CASE("a search bounded by a table of live layers prices whole networks",
          "[cli][latency][fit][search]") {
  // A "device" that folds constants, fitted by `latency fit --layers live`;
  // evolution on nb201 bounded by the table prices each network as the device.
  const auto dir = test::temp_dir("latency-live-search");
  const Space space = load_space("nb201");
  LatencyTable truth;
  truth.space = space.name;
  truth.live_layers_only = true;
  int i = 0;
  for (const auto& [l, in] : distinct_layers(space)) truth.add({l, in, 0.02 + 0.01 * i++, 0, 1});
  LutCalibration c;
  c.per_network_ms = 0.3;
  std::vector<Genotype> gs;
  enumerate(space, [&](const Genotype& g) {
    gs.push_back(g);
    return true;
  });
  const auto ms = predict_latency(space, truth, c, gs);
  std::string timed = "ops,ms\n", acc = "ops,acc\n";
  std::vector<double> sorted_ms = ms;
  std::sort(sorted_ms.begin(), sorted_ms.end());
  for (std::size_t k = 0; k < gs.size(); ++k) {
    std::string ops;
    for (int v : gs[k]) ops += char('0' + v);
    if (k % 19 == 0) timed += fmt::format("{},{}\n", ops, ms[k]);
    acc += fmt::format("{},{}\n", ops, ms[k] < 0.5 ? 10.0 : 50 + ms[k]);  // bigger is better
  }
  write_file_atomic(dir + "/timed.csv", timed);
  write_file_atomic(dir + "/acc.csv", acc);
  auto fit = test::run_hwnas({"latency", "fit", "--space", "nb201", "--measurements",
                              dir + "/timed.csv", "--genotype-column", "ops", "--column", "ms",
                              "--layers", "live", "--out", dir + "/dev.json", "--json"});
  INFO(fit.err);
  REQUIRE(fit.rc == 0);
  CHECK(json::parse(fit.out)["residuals"]["within_10pct"] == 1.0);

  const double bound = sorted_ms[sorted_ms.size() / 3];
  auto config = [&](const std::string& strategy) {
    const std::string path = dir + "/c.yaml";
    write_file_atomic(path, fmt::format("name: live\nseed: 1\nthreads: 1\nspace: nb201\n"
                                        "data: {{dataset: synthetic, train_limit: 256, "
                                        "test_limit: 32}}\ntrain: {{batch: 16}}\n"
                                        "cost_models: {{dev: {{type: lut-calibrated, table: "
                                        "{}/dev.json}}}}\n"
                                        "constraints: [{{model: dev, metric: latency_ms, max: "
                                        "{}}}]\nstrategy: {}\nfitness: {{type: table, file: "
                                        "{}/acc.csv, column: acc, genotype_column: ops}}\n"
                                        "retrain: {{epochs: 1, batch: 16}}\n",
                                        dir, bound, strategy, dir));
    return path;
  };
  auto r = test::run_hwnas({"search", "--config",
                            config("{type: evolution, selection: aging, population: 8, "
                                   "tournament_size: 3, evaluations: 40}"),
                            "--out", dir + "/run", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  const auto cands = test::read_jsonl(dir + "/run/candidates.jsonl");
  REQUIRE(cands.size() == 40);
  for (const auto& cand : cands) {
    std::string ops;
    for (const auto& v : cand["genotype"]) ops += char('0' + v.get<int>());
    const Genotype g = parse_genotype(space, ops);
    const double want = ms[std::size_t(std::find(gs.begin(), gs.end(), g) - gs.begin())];
    CHECK(cand["costs"]["dev.latency_ms"].get<double>() == Approx(want).epsilon(1e-3));
    CHECK(cand["costs"]["dev.latency_ms"].get<double>() <= bound * (1 + 1e-9));
  }
}
