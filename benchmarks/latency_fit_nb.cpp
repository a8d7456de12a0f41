// Latency tables fitted from published whole-network measurements, judged on
// held-out networks: for every device column of a benchmark CSV, a table
// fitted on N_FIT networks (seeded shuffle) against the FLOPs baseline on the
// rest, then few-shot transfer from another device's table with K = 5, 10,
// 20, 50 networks (mean over 5 draws of the K). Prints markdown tables.
// A column written NAME:live is fitted counting live layers only (`latency
// fit --layers live`).
//   latency_fit_nb SPACE CSV N_FIT SOURCE_COLUMN [ALT_SOURCE] [COLUMNS...]
// e.g. latency_fit_nb fbnet-c100 ../shared/ext/help/fbnet_c100_latency.csv 4000 2080ti_32 1080ti_32
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <random>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/cost/bench_table.h"
#include "hwnas/cost/latency_fit.h"

using namespace hwnas;

namespace {

// The rows of `column` that hold a value (blank = not measured), as measurements.
// "help_pixel3:live" -> the column and the fit's options.
std::pair<std::string, FitOptions> parse_column(const std::string& spec) {
  FitOptions o;
  const auto colon = spec.rfind(":live");
  o.live_only = colon != std::string::npos && colon + 5 == spec.size();
  o.device = o.live_only ? spec.substr(0, colon) : spec;
  return {o.device, o};
}

Measurements column_of(const std::string& csv, const Space& space, const std::string& spec) {
  const std::string column = parse_column(spec).first;
  const BenchTable t = read_bench_table(csv, space, column, "ops");
  Measurements m;
  m.file = csv;
  m.column = column;
  for (const auto& r : t.records)
    if (r.value && *r.value > 0)
      m.genotypes.push_back(r.genotype), m.ms.push_back(*r.value), m.lines.push_back(r.line);
  return m;
}

Measurements subset(const Measurements& m, const std::vector<std::size_t>& idx) {
  Measurements out;
  out.file = m.file, out.column = m.column;
  for (auto i : idx)
    out.genotypes.push_back(m.genotypes[i]), out.ms.push_back(m.ms[i]),
        out.lines.push_back(m.lines[i]);
  return out;
}

std::vector<std::string> header_columns(const std::string& csv) {
  std::FILE* f = std::fopen(csv.c_str(), "r");
  if (!f) throw std::runtime_error("cannot open " + csv);
  char buf[8192];
  std::string line = std::fgets(buf, sizeof buf, f) ? buf : "";
  std::fclose(f);
  std::vector<std::string> cols;
  std::string cur;
  for (char c : line) {
    if (c == ',' || c == '\n' || c == '\r') {
      if (!cur.empty()) cols.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) cols.push_back(cur);
  cols.erase(std::remove_if(cols.begin(), cols.end(),
                            [](const std::string& c) { return c == "idx" || c == "ops"; }),
             cols.end());
  return cols;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: latency_fit_nb SPACE CSV N_FIT SOURCE [ALT_SOURCE] [COLUMNS...]\n");
    return 2;
  }
  const Space space = load_space(argv[1]);
  const std::string csv = argv[2];
  const std::size_t n_fit = std::stoul(argv[3]);
  const std::string source = argv[4], alt = argc > 5 ? argv[5] : "";
  std::vector<std::string> columns;
  for (int i = 6; i < argc; ++i) columns.push_back(argv[i]);
  if (columns.empty()) columns = header_columns(csv);

  // One split for every column (the same archs where every column is full).
  auto split = [&](const Measurements& m) {
    std::vector<std::size_t> idx(m.ms.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::shuffle(idx.begin(), idx.end(), std::mt19937_64(0));
    const std::size_t k = std::min(n_fit, idx.size() * 4 / 5);
    return std::make_pair(std::vector<std::size_t>(idx.begin(), idx.begin() + long(k)),
                          std::vector<std::size_t>(idx.begin() + long(k), idx.end()));
  };
  auto fitted_source = [&](const std::string& col) {
    const Measurements m = column_of(csv, space, col);
    return fit_latency_table(space, subset(m, split(m).first), parse_column(col).second);
  };
  const LatencyFit src = fitted_source(source);
  const LatencyFit src_alt = alt.empty() ? src : fitted_source(alt);

  std::printf(
      "| device | fit / test nets | table within 10%% | table tau | FLOPs within 10%% | "
      "FLOPs tau | terms (determined, pooled) |\n|---|---|---|---|---|---|---|\n");
  std::string shots_md =
      "| device (prior) | K=5 tau | K=10 tau | K=20 tau | K=50 tau | K=5 within 10% | K=10 | K=20 "
      "| K=50 |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& col : columns) {
    const Measurements m = column_of(csv, space, col);
    const auto [fit_idx, test_idx] = split(m);
    const Measurements train = subset(m, fit_idx), test = subset(m, test_idx);
    const FitOptions opt = parse_column(col).second;
    const LatencyFit f = fit_latency_table(space, train, opt);
    const Agreement a =
        agreement(predict_latency(space, f.table, f.calib, test.genotypes), test.ms);
    Agreement fa{};
    if (auto fl = fit_flops(network_macs(space, train.genotypes), train.ms)) {
      const auto macs = network_macs(space, test.genotypes);
      std::vector<double> p;
      for (double x : macs) p.push_back(x / (fl->gmacs_per_s * 1e6) + fl->overhead_ms);
      fa = agreement(p, test.ms);
    }
    std::printf("| %s | %zu / %zu | %.1f%% | %.3f | %.1f%% | %.3f | %d (%d, %zu) |\n", col.c_str(),
                train.ms.size(), test.ms.size(), 100 * a.within_10pct, a.kendall_tau,
                100 * fa.within_10pct, fa.kendall_tau, f.terms, f.identified,
                f.pooled_into_network.size());
    std::fflush(stdout);

    // Few-shot: K networks drawn from the fit split, judged on the test split.
    const LatencyFit& prior = col == source ? src_alt : src;
    std::string taus, withins;
    for (int k : {5, 10, 20, 50}) {
      double tau = 0, within = 0;
      const int draws = 5;
      for (int d = 0; d < draws; ++d) {
        std::vector<std::size_t> pick = fit_idx;
        std::shuffle(pick.begin(), pick.end(), std::mt19937_64(1000 + std::uint64_t(d)));
        pick.resize(std::size_t(k));
        const LatencyFit t =
            transfer_latency_table(space, prior.table, prior.calib, subset(m, pick), opt);
        const Agreement ta =
            agreement(predict_latency(space, t.table, t.calib, test.genotypes), test.ms);
        tau += ta.kendall_tau / draws, within += ta.within_10pct / draws;
      }
      taus += fmt::format(" {:.3f} |", tau);
      withins += fmt::format(" {:.1f}% |", 100 * within);
    }
    shots_md += fmt::format("| {} ({}) |{}{}\n", col, col == source ? alt : source, taus, withins);
  }
  std::printf(
      "\nFew-shot transfer (mean of 5 draws of K networks; judged on the test split):\n\n%s",
      shots_md.c_str());
  return 0;
} catch (const InputError& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 2;
}
