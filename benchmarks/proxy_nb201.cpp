// Zero-cost proxies against NAS-Bench-201's ground truth: Kendall tau and
// Spearman rho between each proxy of an untrained network and its trained
// test accuracy, over a random sample of the space (or all of it):
//   proxy_nb201 NB201_DIR [ARCHS] [SEED]
// NB201_DIR holds nb201_accuracy.csv (../shared/ext/nb201 from the project
// root). One thread; synflow builds and runs each net in double precision.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>

#include <fmt/format.h>
#include <torch/torch.h>

#include "hwnas/common/statistics.h"
#include "hwnas/cost/bench_table.h"
#include "hwnas/search/entropy.h"
#include "hwnas/search/fitness.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: proxy_nb201 NB201_DIR [ARCHS] [SEED]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const std::size_t n = argc > 2 ? std::size_t(std::atol(argv[2])) : 1000;
  const std::uint64_t seed = argc > 3 ? std::uint64_t(std::atoll(argv[3])) : 0;
  torch::set_num_threads(1);
  try {
    const Space space = load_space("nb201");
    const std::vector<std::string> columns = {"c10_test_acc", "c100_test_acc", "im16_test_acc"};
    std::vector<BenchTable> acc;
    for (const auto& c : columns)
      acc.push_back(read_bench_table(dir + "/nb201_accuracy.csv", space, c, "ops"));
    std::vector<Genotype> all;
    for (const auto& [g, v] : acc[0].values) all.push_back(g);
    std::mt19937_64 rng(seed);
    std::shuffle(all.begin(), all.end(), rng);
    all.resize(std::min(n, all.size()));
    std::vector<double> syn, ent, params;
    double syn_s = 0, ent_s = 0;
    for (const auto& g : all) {
      const Arch a = decode(space, g);
      auto t0 = std::chrono::steady_clock::now();
      syn.push_back(synflow_score(a, seed));
      auto t1 = std::chrono::steady_clock::now();
      ent.push_back(structural_entropy(a));
      auto t2 = std::chrono::steady_clock::now();
      params.push_back(double(count_totals(a).params));
      syn_s += std::chrono::duration<double>(t1 - t0).count();
      ent_s += std::chrono::duration<double>(t2 - t1).count();
    }
    std::cout << fmt::format(
        "{} archs of NAS-Bench-201, seed {}; Kendall tau (Spearman rho) "
        "against test accuracy\n\n| proxy | ms per arch |",
        all.size(), seed);
    for (const auto& c : columns) std::cout << " " << c << " |";
    std::cout << "\n|---|---|---|---|---|\n";
    auto row = [&](const char* name, const std::vector<double>& v, double s) {
      std::cout << fmt::format("| {} | {} |", name,
                               s > 0 ? fmt::format("{:.2f}", 1e3 * s / double(v.size())) : "-");
      for (const auto& t : acc) {
        std::vector<double> truth;
        for (const auto& g : all) truth.push_back(*t.find(g));
        std::cout << fmt::format(" {:.3f} ({:.3f}) |", kendall_tau(v, truth),
                                 spearman_rho(v, truth));
      }
      std::cout << "\n";
    };
    row("synflow", syn, syn_s);
    row("entropy", ent, ent_s);
    row("params (for scale)", params, 0);
  } catch (const std::exception& e) {
    std::cerr << "proxy_nb201: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
