// The evolution engine against random search on NAS-Bench-201's real
// ground truth, at equal numbers of evaluations (a table lookup is one
// evaluation), the same engine and reject/score hooks the `evolution`
// strategy uses:
//   evolution_nb201 NB201_DIR [SEEDS_SINGLE] [SEEDS_PARETO]
// NB201_DIR holds nb201_accuracy.csv and nb201_latency_latbench.csv
// (../shared/ext/nb201 from the project root; its README says what and whence).
// 1. One objective: CIFAR-10 test accuracy, 100 evaluations per seed.
// 2. Two objectives: accuracy against Jetson Nano fp16 latency, 200
//    evaluations; archs with no latency are outside the searched space.
//    Hypervolume (ms x percentage points) with reference (the table's
//    largest latency, 80%) as a share of the whole table's front's.
// 3. Early exit on parameters: the first population refuses archs over the
//    median parameter count before scoring them.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>
#include <set>

#include <fmt/format.h>

#include "hwnas/cost/bench_table.h"
#include "hwnas/search/evolution.h"

using namespace hwnas;

namespace {

struct Data {
  Space space;
  BenchTable acc, lat;
  std::map<Genotype, std::int64_t> params;
};

struct Outcome {
  double best = 0, hv = 0;
  std::int64_t rejected = 0;
};

// `random`: uniform draws without repeats, as the random strategy draws.
Outcome random_search(const Data& d, std::int64_t evaluations, bool pareto, std::uint64_t seed,
                      const Objectives& ref) {
  Rng rng = seeded_rng(seed, 0, 0xA1);
  std::set<Genotype> seen;
  std::vector<Objectives> points;
  Outcome o;
  while (std::int64_t(seen.size()) < evaluations) {
    const Genotype g = sample(d.space, rng);
    if (pareto && !d.lat.find(g)) continue;
    if (!seen.insert(g).second) continue;
    const double a = *d.acc.find(g);
    o.best = std::max(o.best, a);
    if (pareto) points.push_back({*d.lat.find(g), -a});
  }
  if (pareto) o.hv = hypervolume(points, ref);
  return o;
}

Outcome evolve(const Data& d, EvolutionSettings s, bool pareto, std::uint64_t seed,
               const Objectives& ref, std::int64_t max_params) {
  EvolutionHooks h;
  h.reject = [&](const Genotype& g, bool offspring) -> std::string {
    if (pareto && !d.lat.find(g)) return "no latency";
    if (max_params > 0 && !offspring && d.params.at(g) > max_params) return "params";
    return "";
  };
  h.evaluate = [&](Individual& c) {
    c.fitness = *d.acc.find(c.genotype);
    c.objectives =
        pareto ? Objectives{*d.lat.find(c.genotype), -c.fitness} : Objectives{-c.fitness};
    return true;
  };
  const EvolutionResult r = run_evolution(d.space, s, seed, h);
  Outcome o;
  std::vector<Objectives> points;
  for (const auto& c : r.history) {
    o.best = std::max(o.best, c.fitness);
    points.push_back(c.objectives);
  }
  if (pareto) o.hv = hypervolume(points, ref);
  for (const auto& [why, n] : r.rejected)
    if (why == "params") o.rejected += n;
  return o;
}

void report(const std::string& name, const std::vector<Outcome>& v, bool pareto, double true_hv) {
  double best = 0, hv = 0, sq = 0;
  for (const auto& o : v) best += o.best, hv += o.hv / std::max(true_hv, 1e-12);
  best /= double(v.size());
  hv /= double(v.size());
  for (const auto& o : v) {
    const double x = pareto ? o.hv / true_hv - hv : o.best - best;
    sq += x * x;
  }
  const double sd = std::sqrt(sq / double(std::max<std::size_t>(1, v.size() - 1)));
  if (pareto)
    std::cout << fmt::format("| {} | {:.4f} | {:.4f} | {:.2f} |\n", name, hv, sd, best);
  else
    std::cout << fmt::format("| {} | {:.3f} | {:.3f} |\n", name, best, sd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: evolution_nb201 NB201_DIR [SEEDS_SINGLE] [SEEDS_PARETO]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const int seeds1 = argc > 2 ? std::atoi(argv[2]) : 50,
            seeds2 = argc > 3 ? std::atoi(argv[3]) : 20;
  try {
    Data d{load_space("nb201"), {}, {}, {}};
    d.acc = read_bench_table(dir + "/nb201_accuracy.csv", d.space, "c10_test_acc", "ops");
    d.lat = read_bench_table(dir + "/nb201_latency_latbench.csv", d.space, "lb_jetson_nano_fp16",
                             "ops");
    std::vector<std::int64_t> all_params;
    for (const auto& [g, v] : d.acc.values) {
      d.params[g] = count_totals(decode(d.space, g)).params;
      all_params.push_back(d.params[g]);
    }
    std::nth_element(all_params.begin(), all_params.begin() + long(all_params.size() / 2),
                     all_params.end());
    const std::int64_t median_params = all_params[all_params.size() / 2];
    double optimum = 0;
    for (const auto& [g, v] : d.acc.values) optimum = std::max(optimum, v);
    std::cout << fmt::format("NAS-Bench-201, CIFAR-10 test accuracy: {} archs, optimum {:.2f}%\n\n",
                             d.acc.values.size(), optimum);

    std::cout << fmt::format(
        "One objective, 100 evaluations, {} seeds: mean best test accuracy (%)\n\n| strategy | "
        "mean | sd |\n|---|---|---|\n",
        seeds1);
    EvolutionSettings aging;
    aging.selection = "aging";
    aging.population = 20;
    aging.tournament_size = 5;
    aging.evaluations = 100;
    EvolutionSettings nsga = aging;
    nsga.selection = "nsga2";
    EvolutionSettings tour = aging;
    tour.selection = "tournament";
    const Objectives none;
    std::vector<Outcome> ra, rn, rt, rr, ree;
    for (int s = 0; s < seeds1; ++s) {
      ra.push_back(evolve(d, aging, false, std::uint64_t(s), none, 0));
      rn.push_back(evolve(d, nsga, false, std::uint64_t(s), none, 0));
      rt.push_back(evolve(d, tour, false, std::uint64_t(s), none, 0));
      rr.push_back(random_search(d, 100, false, std::uint64_t(s), none));
      ree.push_back(evolve(d, aging, false, std::uint64_t(s), none, median_params));
    }
    report("aging (population 20, S 5)", ra, false, 1);
    report("nsga2 (fitness only)", rn, false, 1);
    report("tournament", rt, false, 1);
    report("random", rr, false, 1);
    report(fmt::format("aging + early exit (params <= median {})", median_params), ree, false, 1);
    std::int64_t refused = 0;
    for (const auto& o : ree) refused += o.rejected;
    std::cout << fmt::format(
        "\nEarly exit refused {:.1f} first-population draws per seed before scoring them.\n\n",
        double(refused) / seeds1);

    // Two objectives.
    std::vector<Objectives> table;
    double max_lat = 0;
    for (const auto& [g, l] : d.lat.values) {
      if (!d.acc.find(g)) continue;
      table.push_back({l, -*d.acc.find(g)});
      max_lat = std::max(max_lat, l);
    }
    const Objectives ref = {max_lat, -80.0};
    const double true_hv = hypervolume(table, ref);
    std::cout << fmt::format(
        "Two objectives (accuracy, Jetson Nano fp16 ms), 200 evaluations, {} seeds, {} archs "
        "with a latency; reference ({:.3f} ms, 80%); the table's front: {:.4f}\n\n"
        "| strategy | hypervolume / table front's | sd | mean best accuracy |\n|---|---|---|---|\n",
        seeds2, table.size(), max_lat, true_hv);
    EvolutionSettings mo;  // the defaults: population 20, crossover 0.9
    mo.selection = "nsga2";
    mo.evaluations = 200;
    EvolutionSettings small = mo;  // the best setting found here
    small.population = 6;
    small.crossover_prob = 0;
    std::vector<Outcome> pn, ps, pr;
    for (int s = 0; s < seeds2; ++s) {
      pn.push_back(evolve(d, mo, true, std::uint64_t(s), ref, 0));
      ps.push_back(evolve(d, small, true, std::uint64_t(s), ref, 0));
      pr.push_back(random_search(d, 200, true, std::uint64_t(s), ref));
    }
    report("nsga2 (population 20, crossover 0.9: the defaults)", pn, true, true_hv);
    report("nsga2 (population 6, mutation only)", ps, true, true_hv);
    report("random", pr, true, true_hv);
  } catch (const std::exception& e) {
    std::cerr << "evolution_nb201: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
