// The evolution engine and benchmark tables, torch-free, on the nb201 space
// with fitness functions and tables made here.
#include <filesystem>
#include <map>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/files.h"
#include "hwnas/cost/bench_table.h"
#include "hwnas/search/evolution.h"

using namespace hwnas;
using test::error_of;

namespace {

// Edges holding nor_conv_3x3 (choice 3 in nb201's op order): optimum 6.
double convs(const Genotype& g) {
  double n = 0;
  for (int c : g) n += c == 3;
  return n;
}

EvolutionSettings settings(const std::string& selection, std::int64_t evaluations) {
  EvolutionSettings s;
  s.selection = selection;
  s.population = 10;
  s.tournament_size = 3;
  s.evaluations = evaluations;
  return s;
}

// Fitness: convs plus a tie-breaker; objectives: fitness and "latency" (the
// number of non-skip edges), both read from the genotype.
EvolutionHooks scoring(std::map<Genotype, int>& calls) {
  EvolutionHooks h;
  h.evaluate = [&calls](Individual& c) {
    ++calls[c.genotype];
    c.fitness = convs(c.genotype) + 0.01 * c.genotype[0];
    double lat = 0;
    for (int x : c.genotype) lat += x != 1;
    c.objectives = {-c.fitness, lat};
    return true;
  };
  return h;
}

}  // namespace

TEST_CASE("every selection scores each genotype once, within budget, reproducibly", "[search]") {
  const Space space = load_space("nb201");
  for (const char* sel : {"nsga2", "aging", "tournament"}) {
    INFO(sel);
    std::map<Genotype, int> calls, again;
    const auto r = run_evolution(space, settings(sel, 60), 4, scoring(calls));
    CHECK(r.history.size() == 60);
    CHECK(calls.size() == 60);
    for (const auto& [g, n] : calls) CHECK(n == 1);
    CHECK(r.population.size() == 10);
    for (std::size_t i = 0; i < r.history.size(); ++i) {
      CHECK(r.history[i].index == std::int64_t(i));
      for (auto p : r.history[i].parents) CHECK(p < std::int64_t(i));
    }
    const auto r2 = run_evolution(space, settings(sel, 60), 4, scoring(again));
    REQUIRE(r2.history.size() == r.history.size());
    for (std::size_t i = 0; i < r.history.size(); ++i)
      CHECK(r2.history[i].genotype == r.history[i].genotype);
  }
}

TEST_CASE("an interrupted evolution replays from its scores to the same end", "[search]") {
  const Space space = load_space("nb201");
  std::map<Genotype, int> calls;
  const auto whole = run_evolution(space, settings("nsga2", 50), 9, scoring(calls));
  // Stopped at the 23rd score; the scores so far are the cache.
  std::map<Genotype, double> cache;
  EvolutionHooks first = scoring(calls);
  int n = 0;
  first.evaluate = [&](Individual& c) {
    if (++n == 23) return false;
    c.fitness = convs(c.genotype) + 0.01 * c.genotype[0];
    cache[c.genotype] = c.fitness;
    double lat = 0;
    for (int x : c.genotype) lat += x != 1;
    c.objectives = {-c.fitness, lat};
    return true;
  };
  const auto cut = run_evolution(space, settings("nsga2", 50), 9, first);
  CHECK(cut.interrupted);
  CHECK(cut.history.size() == 22);
  // Resumed: cached genotypes are not scored again.
  std::map<Genotype, int> fresh;
  EvolutionHooks resumed = scoring(fresh);
  resumed.evaluate = [&](Individual& c) {
    if (!cache.count(c.genotype)) ++fresh[c.genotype];
    c.fitness = convs(c.genotype) + 0.01 * c.genotype[0];
    double lat = 0;
    for (int x : c.genotype) lat += x != 1;
    c.objectives = {-c.fitness, lat};
    return true;
  };
  const auto end = run_evolution(space, settings("nsga2", 50), 9, resumed);
  CHECK(fresh.size() == 28);
  REQUIRE(end.history.size() == whole.history.size());
  for (std::size_t i = 0; i < end.history.size(); ++i)
    CHECK(end.history[i].genotype == whole.history[i].genotype);
}

TEST_CASE("evolution beats random sampling on a fitness with structure", "[search]") {
  const Space space = load_space("nb201");
  double evolved = 0, sampled = 0;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    std::map<Genotype, int> calls;
    const auto r = run_evolution(space, settings("aging", 100), seed, scoring(calls));
    double best = 0;
    for (const auto& c : r.history) best = std::max(best, convs(c.genotype));
    evolved += best;
    Rng rng = seeded_rng(seed, 0, 1);
    double rbest = 0;
    for (int i = 0; i < 100; ++i) rbest = std::max(rbest, convs(sample(space, rng)));
    sampled += rbest;
  }
  CHECK(evolved / 10 > sampled / 10 + 0.5);
  CHECK(evolved / 10 >= 5.0);  // 5 or the optimum, 6, every time
}

TEST_CASE("NSGA-II's last front dominates its first population's", "[search]") {
  const Space space = load_space("nb201");
  std::map<Genotype, int> calls;
  std::vector<Individual> first;
  EvolutionHooks h = scoring(calls);
  h.on_generation = [&](int gen, const std::vector<Individual>& pop,
                        const std::vector<Individual>&) {
    if (gen == 0) first = pop;
  };
  const auto r = run_evolution(space, settings("nsga2", 120), 2, h);
  auto hv = [](const std::vector<Individual>& pop) {
    std::vector<Objectives> pts;
    for (const auto& c : pop) pts.push_back(c.objectives);
    return hypervolume(pts, {0.0, 7.0});
  };
  REQUIRE(first.size() == 10);
  CHECK(hv(pareto_front(r.population)) > hv(pareto_front(first)));
  for (const auto& c : pareto_front(r.population))
    for (const auto& d : r.population) CHECK_FALSE(dominates(d.objectives, c.objectives));
}

TEST_CASE("early exit refuses the first population's candidates before scoring", "[search]") {
  const Space space = load_space("nb201");
  std::map<Genotype, int> calls;
  EvolutionHooks h = scoring(calls);
  h.reject = [](const Genotype& g, bool offspring) -> std::string {
    return !offspring && convs(g) > 2 ? "params: ir.params <= 1" : "";
  };
  const auto r = run_evolution(space, settings("aging", 30), 1, h);
  for (const auto& c : r.history)
    if (c.parents.empty()) CHECK(convs(c.genotype) <= 2);  // sampled ones obey it
  CHECK(r.rejected.at("params: ir.params <= 1") > 0);
  for (const auto& [g, n] : calls) CHECK(n == 1);  // refused ones were never scored
  // Nothing passes: stop, with the acceptance rate and the reason.
  EvolutionSettings s = settings("nsga2", 30);
  s.min_draws = 2000;
  h.reject = [](const Genotype&, bool) -> std::string { return "energy_mj <= 0.001"; };
  CHECK_THAT(error_of([&] { run_evolution(space, s, 1, h); }),
             Catch::Contains("0 of 2000 drawn candidates") && Catch::Contains("1 in 10,000") &&
                 Catch::Contains("2000 x energy_mj <= 0.001"));
}

TEST_CASE("benchmark tables: external and comma genotypes, blanks, broken files", "[search]") {
  const Space space = load_space("nb201");
  auto dir = test::temp_dir("bench-table");
  const std::string ok = dir + "/t.csv";
  write_file_atomic(ok,
                    "idx,ops,acc,lat\n"
                    "0,334131,93.66,1.5\n"
                    "1,\"3,3,4,1,3,1\",93.66,\n"  // the same arch, comma form, no latency
                    "2,|nor_conv_1x1~0|+|none~0|none~1|+|none~0|none~1|none~2|,10.0,0.2\n");
  const BenchTable acc = read_bench_table(ok, space, "acc", "ops");
  CHECK(acc.rows == 3);
  CHECK(acc.values.size() == 2);
  CHECK(*acc.find(parse_genotype(space, "334131")) == 93.66);
  const BenchTable lat = read_bench_table(ok, space, "lat", "ops");
  CHECK(lat.blank == 1);
  CHECK(*lat.find(parse_genotype(space, "200000")) == 0.2);
  CHECK(lat.find(parse_genotype(space, "111111")) == nullptr);

  auto broken = [&](const std::string& body, const std::string& column = "acc") {
    write_file_atomic(dir + "/b.csv", body);
    return error_of([&] { read_bench_table(dir + "/b.csv", space, column, "ops"); });
  };
  CHECK_THAT(broken("idx,ops,acc\n0,334131,93\n", "c10"),
             Catch::Contains("b.csv:1") && Catch::Contains("no column 'c10'"));
  CHECK_THAT(broken("idx,genotype,acc\n"), Catch::Contains("no genotype column 'ops'"));
  CHECK_THAT(broken("idx,ops,acc\n0,334131,93\n1,33413,90\n"),
             Catch::Contains("b.csv:3") && Catch::Contains("ops of space nb201"));
  CHECK_THAT(broken("idx,ops,acc\n0,334131,93\n1,334131,90\n"),
             Catch::Contains("b.csv:3") && Catch::Contains("appears again"));
  CHECK_THAT(broken("idx,ops,acc\n0,334131,high\n"),
             Catch::Contains("b.csv:2") && Catch::Contains("expected a number, got 'high'"));
  CHECK_THAT(broken("idx,ops,acc\n0,334131\n"),
             Catch::Contains("has 2 fields but the header has 3"));
  CHECK_THAT(broken("idx,ops,acc\n0,\"334131,93\n"), Catch::Contains("does not close"));
  CHECK_THAT(broken(""), Catch::Contains("is empty"));
  CHECK_THAT(broken("idx,ops,acc\n0,334131,\n"), Catch::Contains("holds no value"));
}
