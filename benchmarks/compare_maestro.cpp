// hwnas's accelerator model against MAESTRO's per-layer outputs: cycles and
// on-chip energy (MAC + L1 + L2, in MAC units at MAESTRO's relative costs)
// of single layers on MAESTRO's hardware, per template.
//   compare_maestro REFERENCE.csv [ROWS.tsv]
// REFERENCE.csv: MAESTRO's outputs in the columns of
// ../shared/ext/maestro/reference_dev.csv (its README says what each is).
// Prints a summary per template and kind; ROWS.tsv gets every row's ratios.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "hwnas/accel/analysis.h"

using namespace hwnas;
using namespace hwnas::accel;

namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, ',');) out.push_back(f);
  return out;
}

// MAESTRO's template names -> hwnas's, on MAESTRO's shipped hardware: NoC
// 1000 elements/cycle, one hop of latency 1, one MAC lane per PE. Buffers
// and off-chip bandwidth are ample: MAESTRO only warns about buffer sizes
// and models no DRAM.
AccelParams hardware(const std::string& maestro_template, std::int64_t pes) {
  static const std::map<std::string, std::string> names = {
      {"dla", "nvdla"}, {"shi", "shidiannao"}, {"rs", "eyeriss"}};
  AccelParams p;
  p.template_name = names.at(maestro_template);
  p.name = p.template_name;
  p.dataflow = template_dataflow(p.template_name);
  p.pes = pes;
  p.l1_bytes = 1 << 20;
  p.l2_bytes = 1 << 30;
  p.noc_bw = 1000;
  p.hop_latency = 1;
  p.offchip_bw = 1e12;
  p.clock_mhz = 1000;
  p.bits = 8;
  return p;
}

struct Tally {
  int rows = 0, cycles_10 = 0, energy_15 = 0, counted_15 = 0;
  std::vector<double> energy_ratios, counted_ratios;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: compare_maestro REFERENCE.csv [ROWS.tsv]\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "compare_maestro: cannot read " << argv[1] << "\n";
    return 2;
  }
  std::ofstream rows_out;
  if (argc > 2) rows_out.open(argv[2]);
  std::string line;
  std::getline(in, line);
  std::map<std::string, int> col;
  const auto header = split(line);
  for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = int(i);
  if (rows_out)
    rows_out << "layer\tkind\ttemplate\tpes\tcycles_ratio\tenergy_ratio\tl1_ratio\tl2_ratio"
                "\tenergy_ratio_maestro_counting\n";
  std::map<std::string, Tally> by_template, by_kind;
  while (std::getline(in, line)) {
    const auto f = split(line);
    if (f.size() != header.size()) continue;
    auto num = [&](const std::string& c) { return std::stod(f[col.at(c)]); };
    const std::string kind = f[col["kind"]], tmpl = f[col["dataflow"]];
    const AccelParams hw = hardware(tmpl, std::int64_t(num("num_pes")));
    const int cin = int(num("C_in")), cout = int(num("C_out"));
    Layer l = Layer::make(kind == "fc" ? Op::Linear : Op::Conv);
    l.out = cout;
    Shape shape{cin, int(num("H")), int(num("W"))};
    if (kind != "fc") {
      l.k = int(num("kernel"));
      l.stride = int(num("stride"));
      l.groups = int(num("groups"));
    }
    const LayerCost c = analyze_layer(l, shape, 1, hw);
    const EnergyByLevel e = energy_by_level(c, hw);
    double m_l1 = 0, m_l2 = 0;
    for (const char* t : {"input", "filter", "output"})
      for (const char* rw : {"read", "write"}) {
        m_l1 += num(fmt::format("{}_l1_{}", t, rw));
        m_l2 += num(fmt::format("{}_l2_{}", t, rw));
      }
    const double cycles = c.cycles / num("runtime_cycles");
    const double energy = (e.mac + e.l1 + e.l2) / num("energy_total_xmac");
    // MAESTRO writes a partial sum to L2 each time it leaves the array but
    // counts only the final outputs' reads; hwnas reads each one back.
    const double outputs = double(infer_shape(l, shape, "").numel());
    const double readback = std::max(0.0, c.l2_writes - c.dram_reads - outputs);
    const double counted =
        (e.mac + e.l1 + e.l2 - readback * hw.energy.l2) / num("energy_total_xmac");
    const double l1 = (c.l1_reads + c.l1_writes) / m_l1;
    const double l2 = (c.l2_reads + c.l2_writes - c.dram_reads) / m_l2;  // DRAM fills aside
    for (Tally* t : {&by_template[tmpl], &by_kind[tmpl + " " + kind]}) {
      ++t->rows;
      t->cycles_10 += std::fabs(cycles - 1) <= 0.10;
      t->energy_15 += std::fabs(energy - 1) <= 0.15;
      t->energy_ratios.push_back(energy);
      t->counted_15 += std::fabs(counted - 1) <= 0.15;
      t->counted_ratios.push_back(counted);
    }
    if (rows_out)
      rows_out << fmt::format("{}\t{}\t{}\t{}\t{:.3f}\t{:.3f}\t{:.3f}\t{:.3f}\t{:.3f}\n",
                              f[col["layer"]], kind, tmpl, f[col["num_pes"]], cycles, energy, l1,
                              l2, counted);
  }
  std::cout << "| template / kind | rows | cycles within 10% | energy within 15% | median "
               "energy ratio | energy within 15%, MAESTRO's read-back counting | its median |\n"
               "|---|---|---|---|---|---|---|\n";
  auto print = [](const std::map<std::string, Tally>& m) {
    for (const auto& [name, t] : m)
      std::cout << fmt::format("| {} | {} | {} | {} | {:.2f} | {} | {:.2f} |\n", name, t.rows,
                               t.cycles_10, t.energy_15, median(t.energy_ratios), t.counted_15,
                               median(t.counted_ratios));
  };
  print(by_template);
  print(by_kind);
  return 0;
}
