// `hwnas search` with strategy `evolution` on a table-scored space: early
// exit, two objectives, the fronts and their hypervolume, the pick rule,
// resume, a table cost model, and the options it refuses.
#include <filesystem>
#include <set>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"
#include "hwnas/common/files.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
using test::run_hwnas;
namespace fs = std::filesystem;

namespace {
// test::kEvo4Space with a table of all its archs, fitness = the sum of the
// choices plus a little noise, and a flops cost model for a second objective.

std::string evolution_config(const std::string& dir, const std::string& strategy) {
  write_file_atomic(dir + "/evo4.yaml", test::kEvo4Space);
  const Space space = load_space(dir + "/evo4.yaml");
  std::string csv = "genotype,acc\n";
  enumerate(space, [&](const Genotype& g) {
    double sum = 0;
    for (int c : g) sum += c;
    csv += "\"" + format_genotype(g) + "\"," + std::to_string(sum + 0.01 * g[3]) + "\n";
    return true;
  });
  write_file_atomic(dir + "/acc.csv", csv);
  write_file_atomic(dir + "/c.yaml",
                    "name: e\nseed: 5\nthreads: 1\nspace: evo4.yaml\n"
                    "data: {dataset: synthetic, train_limit: 256, test_limit: 64}\n"
                    "cost_models: {f: {type: flops, gmacs_per_s: 1, overhead_ms: 0.1}}\n"
                    "constraints:\n  - {metric: params, max: 30000}\n" +
                        strategy +
                        "\nfitness: {type: table, file: acc.csv, column: acc}\n"
                        "train: {batch: 16}\n"
                        "retrain: {epochs: 1, batch: 32, optimizer: {lr: 0.05}}\n");
  return dir + "/c.yaml";
}
}  // namespace

TEST_CASE("evolution searches a table-scored space with early exit and two objectives",
          "[cli][search][evolution]") {
  auto dir = test::temp_dir("evolution");
  auto cfg = evolution_config(
      dir,
      "strategy: {type: evolution, selection: nsga2, population: 6, evaluations: 24,\n"
      "  objectives: [{metric: fitness}, {model: f, metric: latency_ms}],\n"
      "  early_exit: [{metric: params, max: 12000}]}");
  auto r = run_hwnas({"search", "--config", cfg, "--out", dir + "/run", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  const json j = json::parse(r.out);
  const auto cands = test::read_jsonl(dir + "/run/candidates.jsonl");
  REQUIRE(cands.size() == 24);
  std::set<std::string> genotypes;
  double best = -1;
  json best_g;
  for (const auto& c : cands) {
    genotypes.insert(c["genotype"].dump());
    CHECK(c["costs"]["ir.params"].get<double>() <= 30000);  // the constraint binds
    if (c["parents"].empty()) CHECK(c["costs"]["ir.params"].get<double>() <= 12000);  // early exit
    double sum = 0;
    for (const auto& x : c["genotype"]) sum += x.get<int>();
    CHECK(c["fitness"].get<double>() ==
          Approx(sum + 0.01 * c["genotype"][3].get<int>()));  // looked up in the table
    if (c["fitness"].get<double>() > best) best = c["fitness"], best_g = c["genotype"];
  }
  CHECK(genotypes.size() == 24);  // nothing scored twice
  CHECK(j["genotype"] == best_g);
  CHECK(j["search"]["candidates"] == 24);
  // One front per generation, its hypervolume never falling (elitist survival).
  const auto fronts = test::read_jsonl(dir + "/run/pareto.jsonl");
  REQUIRE(fronts.size() == 4);
  for (std::size_t g = 0; g < fronts.size(); ++g) {
    CHECK(fronts[g]["generation"] == int(g));
    if (g > 0)
      CHECK(fronts[g]["hypervolume"].get<double>() >=
            fronts[g - 1]["hypervolume"].get<double>() - 1e-12);
  }
  const json pareto = json::parse(read_text_file(dir + "/run/pareto.json"));
  REQUIRE_FALSE(pareto["front"].empty());
  for (const auto& m : pareto["front"]) CHECK(m["arch"]["format"] == "hwnas.arch/1");
  CHECK(pareto["objectives"][1]["objective"] == "f.latency_ms");

  // Resuming a finished run scores nothing again.
  const auto before = read_text_file(dir + "/run/candidates.jsonl");
  auto again = run_hwnas({"search", "--resume", dir + "/run", "--json"});
  INFO(again.err);
  REQUIRE(again.rc == 0);
  CHECK(json::parse(again.out)["genotype"] == j["genotype"]);
  CHECK(read_text_file(dir + "/run/candidates.jsonl") == before);
  CHECK(test::read_jsonl(dir + "/run/pareto.jsonl").size() == 4);

  // Refused before any work: exit 2 naming the place.
  auto refused = [&](const std::string& strategy, const std::string& fitness_file = "acc.csv") {
    auto bad = evolution_config(dir, strategy);
    auto text = read_text_file(bad);
    text.replace(text.find("file: acc.csv"), 13, "file: " + fitness_file);
    write_file_atomic(bad, text);
    return run_hwnas({"search", "--config", bad, "--out", dir + "/bad"});
  };
  auto t =
      refused("strategy: {type: evolution, evaluations: 10, population: 4, tournament_size: 5}");
  CHECK(t.rc == 2);
  CHECK_THAT(t.err, Catch::Contains("tournament_size") && Catch::Contains("population (4)"));
  auto m = refused(
      "strategy: {type: evolution, evaluations: 10, objectives: [{metric: fitness}, {model: nope, "
      "metric: latency_ms}]}");
  CHECK(m.rc == 2);
  CHECK_THAT(m.err, Catch::Contains("objectives") && Catch::Contains("no cost model named 'nope'"));
  auto e = refused(
      "strategy: {type: evolution, evaluations: 10, early_exit: [{metric: params, max: 10}]}");
  CHECK(e.rc == 2);
  CHECK_THAT(e.err, Catch::Contains("early_exit") && Catch::Contains("refuses every network"));
  auto p = refused("strategy: {type: evolution, evaluations: 10, crossover_prob: 1.5}");
  CHECK(p.rc == 2);
  CHECK_THAT(p.err, Catch::Contains("crossover_prob"));
  write_file_atomic(dir + "/other.csv", "genotype,acc\n\"1,2\",5\n");
  auto o = refused("strategy: {type: evolution, evaluations: 10}", "other.csv");
  CHECK(o.rc == 2);
  CHECK_THAT(o.err, Catch::Contains("other.csv:2") && Catch::Contains("evo4"));
  CHECK_FALSE(fs::exists(dir + "/bad"));
}

TEST_CASE("evolution picks by a rule and measures hypervolume against a given reference",
          "[cli][search][evolution]") {
  auto dir = test::temp_dir("evolution-pick");
  auto cfg = evolution_config(dir,
                              "strategy: {type: evolution, population: 6, evaluations: 24,\n"
                              "  objectives: [{metric: fitness}, {model: f, metric: latency_ms}],\n"
                              "  hypervolume_reference: [0, 100],\n"
                              "  pick: {by: f.latency_ms, fitness_within: 2}}");
  auto r = run_hwnas({"search", "--config", cfg, "--out", dir + "/run", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  const json pareto = json::parse(read_text_file(dir + "/run/pareto.json"));
  CHECK(pareto["hypervolume_measure"]["reference"]["f.latency_ms"] == 100.0);
  // The fastest member within 2 of the front's best fitness is the one retrained.
  double best = -1;
  for (const auto& m : pareto["front"]) best = std::max(best, m["fitness"].get<double>());
  json want;
  double fastest = 1e9;
  for (const auto& m : pareto["front"])
    if (m["fitness"].get<double>() >= best - 2 && m["objectives"][1].get<double>() < fastest)
      fastest = m["objectives"][1], want = m;
  REQUIRE_FALSE(want.is_null());
  CHECK(json::parse(r.out)["genotype"] == want["genotype"]);
  CHECK(pareto["picked"] == want["index"]);
  // 2-D hypervolume by hand: reference (fitness 0, 100 ms); the front sorted by
  // latency has rising fitness, each member owning the strip up to the next.
  std::vector<std::pair<double, double>> pts;  // (ms, fitness)
  for (const auto& m : pareto["front"])
    pts.emplace_back(m["objectives"][1].get<double>(), m["fitness"].get<double>());
  std::sort(pts.begin(), pts.end());
  double hv = 0;
  for (std::size_t i = 0; i < pts.size(); ++i)
    hv += pts[i].second * ((i + 1 < pts.size() ? pts[i + 1].first : 100.0) - pts[i].first);
  CHECK(pareto["hypervolume"].get<double>() == Approx(hv));
  const auto fronts = test::read_jsonl(dir + "/run/pareto.jsonl");
  CHECK(fronts.back()["hypervolume"].get<double>() == Approx(hv));
  CHECK(fronts.front()["hypervolume_ratio"].get<double>() == Approx(1.0));
  CHECK(fs::file_size(dir + "/run/pareto.png") > 1000);  // gnuplot drew the fronts

  auto refused = [&](const std::string& strategy) {
    return run_hwnas(
        {"search", "--config", evolution_config(dir, strategy), "--out", dir + "/bad"});
  };
  auto by = refused("strategy: {type: evolution, evaluations: 10, pick: {by: f.latency}}");
  CHECK(by.rc == 2);
  CHECK_THAT(by.err, Catch::Contains("pick.by") && Catch::Contains("not an objective") &&
                         Catch::Contains("fitness"));
  auto ref = refused("strategy: {type: evolution, evaluations: 10, hypervolume_reference: [0, 1]}");
  CHECK(ref.rc == 2);
  CHECK_THAT(ref.err, Catch::Contains("hypervolume_reference") &&
                          Catch::Contains("one per objective (1: fitness)"));
  CHECK_FALSE(fs::exists(dir + "/bad"));
}

TEST_CASE("a table cost model prices whole networks from measurements, unmeasured ones left out",
          "[cli][search][evolution]") {
  auto dir = test::temp_dir("evolution-table-cost");
  auto cfg = evolution_config(
      dir,
      "strategy: {type: evolution, selection: aging, population: 6, tournament_size: 3, "
      "evaluations: 20,\n  objectives: [{metric: fitness}, {model: t, metric: latency_ms}]}");
  // Latency "measured" elsewhere for every arch whose first choice is not 2.
  const Space space = load_space(dir + "/evo4.yaml");
  std::string csv = "genotype,ms\n";
  enumerate(space, [&](const Genotype& g) {
    if (g[0] != 2)
      csv += "\"" + format_genotype(g) + "\"," + std::to_string(1 + g[1] + 0.5 * g[2]) + "\n";
    return true;
  });
  write_file_atomic(dir + "/lat.csv", csv);
  auto text = read_text_file(cfg);
  const std::string old = "cost_models: {f: {type: flops, gmacs_per_s: 1, overhead_ms: 0.1}}";
  text.replace(text.find(old), old.size(),
               "cost_models: {t: {type: table, file: lat.csv, column: ms, missing: infinite}}");
  text.replace(text.find("constraints:\n"), 13,
               "constraints:\n  - {model: t, metric: latency_ms, max: 3.5}\n");
  write_file_atomic(cfg, text);
  auto r = run_hwnas({"search", "--config", cfg, "--out", dir + "/run", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  const auto cands = test::read_jsonl(dir + "/run/candidates.jsonl");
  REQUIRE(cands.size() == 20);
  for (const auto& c : cands) {
    CHECK(c["genotype"][0] != 2);  // unmeasured: outside the search
    const auto& g = c["genotype"];
    CHECK(c["costs"]["t.latency_ms"].get<double>() ==
          Approx(1 + g[1].get<int>() + 0.5 * g[2].get<int>()));
    CHECK(c["costs"]["t.latency_ms"].get<double>() <= 3.5);
  }
  // The resolved config records the table by its absolute path.
  CHECK_THAT(read_text_file(dir + "/run/config.yaml"), Catch::Contains(dir + "/lat.csv"));
  // Without `missing: infinite`, an unmeasured arch is an error naming the table.
  text.replace(text.find(", missing: infinite"), 19, "");
  write_file_atomic(cfg, text);
  auto strict = run_hwnas({"search", "--config", cfg, "--out", dir + "/strict"});
  CHECK(strict.rc == 2);
  CHECK_THAT(strict.err, Catch::Contains("lat.csv") && Catch::Contains("has no ms for genotype"));
}
