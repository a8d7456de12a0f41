// Latency tables fitted from whole-network measurements, and their transfer
// to another device, on measurements a known table generates.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <set>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/files.h"
#include "hwnas/cost/latency_fit.h"
#include "hwnas/ir/arch.h"
#include "hwnas/ir/liveness.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
namespace fs = std::filesystem;

namespace {

// A "device": every layer of the space priced by `value(index)`.
LatencyTable truth_table(const Space& space,
                         const std::function<double(int, const Layer&)>& value) {
  LatencyTable t;
  t.space = space.name;
  int i = 0;
  for (const auto& [l, in] : distinct_layers(space)) t.add({l, in, value(i++, l), 0, 1});
  return t;
}

std::vector<Genotype> every_arch(const Space& space) {
  std::vector<Genotype> gs;
  enumerate(space, [&](const Genotype& g) {
    gs.push_back(g);
    return true;
  });
  return gs;
}

// A measurement CSV of `gs` priced by `t` plus `network_ms`.
std::string write_measurements(const std::string& path, const Space& space, const LatencyTable& t,
                               double network_ms, const std::vector<Genotype>& gs) {
  LutCalibration c;
  c.per_network_ms = network_ms;
  const auto ms = predict_latency(space, t, c, gs);
  std::string csv = "genotype,latency_ms\n";
  for (std::size_t i = 0; i < gs.size(); ++i)
    csv += fmt::format("\"{}\",{}\n", format_genotype(gs[i]), ms[i]);
  write_file_atomic(path, csv);
  return path;
}

}  // namespace

TEST_CASE("a table fitted on whole networks prices every network as the device did",
          "[cost][latency][fit]") {
  const auto dir = test::temp_dir("latency-fit");
  write_file_atomic(dir + "/evo4.yaml", test::kEvo4Space);
  const Space space = load_space(dir + "/evo4.yaml");
  const auto gs = every_arch(space);
  REQUIRE(gs.size() == 81);
  const LatencyTable truth = truth_table(space, [](int i, const Layer&) { return 0.1 + 0.05 * i; });
  const std::string csv = write_measurements(dir + "/m.csv", space, truth, 0.3, gs);
  const Measurements m = read_measurements(csv, space, "latency_ms", "genotype");
  REQUIRE(m.ms.size() == 81);
  CHECK(m.lines.front() == 2);

  const LatencyFit f = fit_latency_table(space, m, {"toy"});
  const auto predicted = predict_latency(space, f.table, f.calib, gs);
  for (std::size_t i = 0; i < gs.size(); ++i) CHECK(predicted[i] == Approx(m.ms[i]).epsilon(1e-4));
  CHECK(f.in_sample.within_5pct == 1.0);
  // The stem conv, pool and classifier are in every network: the
  // per-network term carries them (and they are tabled as 0).
  CHECK(f.pooled_into_network.size() == 3);
  CHECK(f.calib.per_network_ms > 0.3);
  // Each position holds exactly one candidate, so a constant per position is
  // indistinguishable from the per-network term: 3 positions of distinct
  // shapes, 9 candidate terms, 6 determined one by one.
  CHECK(f.terms == 12);
  CHECK(f.identified == 6);
  CHECK(f.collinear.size() == 3);
  for (const auto& e : f.table.entries) CHECK(e.value_ms >= 0);
  CHECK(f.table.device.kind == "fitted");
  CHECK(f.table.device.cpu_model == "toy");
  CHECK(f.table.protocol["fnv1a64"].get<std::string>().size() == 16);

  // The written table reads back as any table, and prices the same.
  save_latency_table(f.table, dir + "/fit.json");
  const LatencyTable back = load_latency_table(dir + "/fit.json");
  CHECK(predict_latency(space, back, f.calib, gs) == predicted);

  // Too few networks for the terms: the message says how many are needed.
  const Measurements few = first_networks(m, 5);
  CHECK_THAT(
      test::error_of([&] { fit_latency_table(space, few, {}); }),
      Catch::Contains("5 networks cannot determine") && Catch::Contains("the fit needs at least"));
  // A layer no measured network uses cannot be priced.
  Measurements no_c = m;
  no_c.genotypes.clear(), no_c.ms.clear();
  for (std::size_t i = 0; i < gs.size(); ++i)
    if (gs[i][3] != 2) no_c.genotypes.push_back(gs[i]), no_c.ms.push_back(m.ms[i]);
  CHECK_THAT(test::error_of([&] { fit_latency_table(space, no_c, {}); }),
             Catch::Contains("no measured network uses 1") && Catch::Contains("--prior"));
  CHECK_THAT(test::error_of([&] { first_networks(m, 82); }),
             Catch::Contains("more networks than the file's 81"));
}

TEST_CASE("a fitted table prices the skip edges a device spends time on", "[cost][latency][fit]") {
  // NAS-Bench-201's reference code adds every edge's output into its node,
  // an identity's too: the "device" here charges 0.05 ms per skip edge.
  const Space space = load_space("nb201");
  LatencyTable truth = truth_table(space, [](int i, const Layer&) { return 0.02 + 0.01 * i; });
  std::set<std::string> skip_keys;
  Rng rng(7);
  std::vector<Genotype> gs;
  std::set<Genotype> seen;
  while (gs.size() < 400)
    if (Genotype g = sample(space, rng); seen.insert(g).second) gs.push_back(g);
  for (const auto& g : gs) {
    const Arch a = decode(space, g);
    const auto shapes = infer_shapes(a);
    for (std::size_t j = 0; j < a.layers.size(); ++j)
      if (a.layers[j].op == Op::Skip && is_free_at_inference(a.layers[j], shapes[j].in) &&
          skip_keys.insert(lut_key(a.layers[j], shapes[j].in)).second)
        truth.add({a.layers[j], shapes[j].in, 0.05, 0, 1});
  }
  REQUIRE(skip_keys.size() == 3);  // one per stage width
  const auto dir = test::temp_dir("latency-fit-skip");
  const std::vector<Genotype> fit_on(gs.begin(), gs.begin() + 300),
      held_out(gs.begin() + 300, gs.end());
  const Measurements m =
      read_measurements(write_measurements(dir + "/m.csv", space, truth, 0.3, fit_on), space,
                        "latency_ms", "genotype");
  const LatencyFit f = fit_latency_table(space, m, {"toy"});
  LutCalibration c;
  c.per_network_ms = 0.3;
  const auto want = predict_latency(space, truth, c, held_out);
  const auto got = predict_latency(space, f.table, f.calib, held_out);
  for (std::size_t i = 0; i < held_out.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-4));
  // The skip terms are in the table (the stages repeat one genotype, so
  // only their sum over the stages is determined).
  double skip_sum = 0;
  for (const auto& e : f.table.entries)
    if (skip_keys.count(lut_key(e.layer, e.in))) skip_sum += e.value_ms;
  CHECK(skip_sum == Approx(3 * 0.05).epsilon(0.2));
}

TEST_CASE("live layers: what a constant-folding converter keeps of a cell net",
          "[cost][latency][fit][ir]") {
  const Space space = load_space("nb201");
  // The 3x3 convs (cell edges, stem, residual blocks) a converter drops.
  auto dropped = [&](const std::string& ops) {
    const Arch a = decode(space, parse_genotype(space, ops));
    const auto live = live_layers(a);
    int n = 0;
    for (std::size_t i = 0; i < a.layers.size(); ++i)
      n += a.layers[i].op == Op::Conv && a.layers[i].k == 3 && !live[i];
    return n;
  };
  CHECK(dropped("333333") == 0);
  // Edge 0->1 is a conv but node 1 feeds nothing (1->2 and 1->3 are none):
  // one conv of each of the 15 cells is dropped.
  CHECK(dropped("300300") == 15);
  // Node 2 is reached only through none edges, so its 2->3 conv reads zeros;
  // the skip 0->3 keeps the cell's output alive.
  CHECK(dropped("300103") == 30);
  // No path from a cell's input to its output: the whole net is a constant.
  const auto none = live_layers(decode(space, parse_genotype(space, "330000")));
  CHECK(std::none_of(none.begin(), none.end(), [](bool b) { return b; }));
  const auto all = live_layers(decode(space, parse_genotype(space, "111111")));
  CHECK(std::all_of(all.begin(), all.end(), [](bool b) { return b; }));
}

TEST_CASE("a table of live layers only fits a device that folds constants",
          "[cost][latency][fit]") {
  const Space space = load_space("nb201");
  LatencyTable truth = truth_table(space, [](int i, const Layer&) { return 0.02 + 0.01 * i; });
  truth.live_layers_only = true;
  Rng rng(11);
  std::vector<Genotype> gs;
  std::set<Genotype> seen;
  while (gs.size() < 400)
    if (Genotype g = sample(space, rng); seen.insert(g).second) gs.push_back(g);
  const auto dir = test::temp_dir("latency-fit-live");
  const std::vector<Genotype> fit_on(gs.begin(), gs.begin() + 300),
      held_out(gs.begin() + 300, gs.end());
  const Measurements m =
      read_measurements(write_measurements(dir + "/m.csv", space, truth, 0.3, fit_on), space,
                        "latency_ms", "genotype");
  FitOptions live;
  live.live_only = true;
  const LatencyFit f = fit_latency_table(space, m, live);
  CHECK(f.table.live_layers_only);
  LutCalibration c;
  c.per_network_ms = 0.3;
  const auto want = predict_latency(space, truth, c, held_out);
  const auto got = predict_latency(space, f.table, f.calib, held_out);
  for (std::size_t i = 0; i < held_out.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-4));
  // A net whose cells are cut is priced by the per-network term alone.
  const Genotype cut = parse_genotype(space, "330000");
  CHECK(predict_latency(space, f.table, f.calib, {cut})[0] == Approx(0.3).epsilon(1e-4));

  // Counting every layer cannot follow such a device.
  const LatencyFit every = fit_latency_table(space, m, {});
  CHECK_FALSE(every.table.live_layers_only);
  CHECK(every.in_sample.within_10pct < 0.9);
  CHECK(f.in_sample.within_10pct == 1.0);

  // The table says so in its file, and a model of it prices whole networks
  // only (a layer's cost depends on the rest of the net).
  save_latency_table(f.table, dir + "/live.json");
  CHECK_THAT(read_text_file(dir + "/live.json"), Catch::Contains("\"layers\": \"live\""));
  const LatencyTable back = load_latency_table(dir + "/live.json");
  CHECK(back.live_layers_only);
  const LutModel model(std::make_shared<const LatencyTable>(back), f.calib, true);
  CHECK(model.additive().none());
  CHECK(model.network(decode(space, held_out[0])).latency_ms() == Approx(want[0]).epsilon(1e-4));
  // Transfer to the same device keeps the live counting.
  const LatencyFit tr = transfer_latency_table(space, back, f.calib, first_networks(m, 20), live);
  CHECK(tr.table.live_layers_only);
  CHECK(tr.in_sample.within_10pct == 1.0);
}

TEST_CASE("one network fits the per-network term alone", "[cost][latency][fit]") {
  // Found by fuzz_measurements: no term varies, so there is nothing for the
  // rank-revealing QR to factorise (it read out of bounds).
  const Space space = load_space("nb201");
  const auto dir = test::temp_dir("latency-fit-one");
  write_file_atomic(dir + "/m.csv", "ops,ms\n330243,31\n");
  const Measurements m = read_measurements(dir + "/m.csv", space, "ms", "ops");
  const LatencyFit f = fit_latency_table(space, m, {});
  CHECK(f.identified == 0);
  CHECK(f.collinear.empty());
  CHECK(f.calib.per_network_ms == Approx(31).epsilon(1e-6));
  CHECK(predict_latency(space, f.table, f.calib, m.genotypes)[0] == Approx(31).epsilon(1e-6));
}

TEST_CASE("transfer adapts a table to another device from a few networks", "[cost][latency][fit]") {
  const auto dir = test::temp_dir("latency-transfer");
  write_file_atomic(dir + "/evo4.yaml", test::kEvo4Space);
  const Space space = load_space(dir + "/evo4.yaml");
  const auto gs = every_arch(space);
  auto value = [](int i, const Layer&) { return 0.1 + 0.05 * i; };
  const LatencyTable prior = truth_table(space, value);
  // The target: twice as slow, and k5 blocks a further 1.5x slower.
  const LatencyTable target = truth_table(space, [&](int i, const Layer& l) {
    return 2 * value(i, l) * (l.op == Op::MBConv && l.k == 5 ? 1.5 : 1.0);
  });
  // In a shuffled order, so the first K networks are a random sample.
  std::vector<Genotype> shuffled = gs;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  write_measurements(dir + "/target.csv", space, target, 0.2, shuffled);
  const Measurements all = read_measurements(dir + "/target.csv", space, "latency_ms", "genotype");
  LutCalibration prior_calib;
  prior_calib.per_network_ms = 0.1;

  auto quality = [&](int k) {
    const LatencyFit t =
        transfer_latency_table(space, prior, prior_calib, first_networks(all, k), {"target"});
    return agreement(predict_latency(space, t.table, t.calib, all.genotypes), all.ms);
  };
  const Agreement prior_alone =
      agreement(predict_latency(space, prior, prior_calib, all.genotypes), all.ms);
  CHECK(prior_alone.within_10pct == 0);  // the prior is off by 2x or more
  const Agreement k3 = quality(3), k20 = quality(20);
  CHECK(k3.within_10pct > 0.5);    // a common scale is learned from three networks
  CHECK(k20.within_10pct == 1.0);  // the k5 types' own scale needs more
  CHECK(k20.mape < 0.02);
  CHECK(k20.mape < k3.mape);

  LatencyTable other = prior;
  other.space = "proxyless-fmnist";
  other.file = "other.json";
  CHECK_THAT(test::error_of([&] { transfer_latency_table(space, other, prior_calib, all, {}); }),
             Catch::Contains("is a table of space proxyless-fmnist, not evo4"));
}

TEST_CASE("measurement files with broken rows are refused naming file and line",
          "[cost][latency][fit][input]") {
  const auto dir = test::temp_dir("latency-measure-bad");
  write_file_atomic(dir + "/evo4.yaml", test::kEvo4Space);
  const Space space = load_space(dir + "/evo4.yaml");
  auto error_for = [&](const std::string& rows) {
    write_file_atomic(dir + "/m.csv", "genotype,latency_ms\n\"0,0,0,0\",1.5\n" + rows);
    return test::error_of(
        [&] { read_measurements(dir + "/m.csv", space, "latency_ms", "genotype"); });
  };
  CHECK_THAT(error_for("\"0,0,0,0\",1.5\n"),
             Catch::Contains("m.csv:3") && Catch::Contains("measured already on line 2"));
  CHECK_THAT(error_for("\"0,0,1,0\",\n"),
             Catch::Contains("m.csv:3") && Catch::Contains("no latency"));
  CHECK_THAT(error_for("\"0,0,1,0\",0\n"),
             Catch::Contains("m.csv:3") && Catch::Contains("expected a latency > 0"));
  CHECK_THAT(error_for("\"0,0,1,0\",-2\n"), Catch::Contains("expected a latency > 0"));
  CHECK_THAT(error_for("\"0,0,1,0\",nan\n"),
             Catch::Contains("m.csv:3") && Catch::Contains("expected a number"));
  CHECK_THAT(error_for("\"0,0,1,0\",fast\n"), Catch::Contains("expected a number, got 'fast'"));
  CHECK_THAT(error_for("\"0,0,1,7\",1\n"), Catch::Contains("m.csv:3"));  // not of this space
  CHECK_THAT(error_for("\"0,0,1\",1\n"), Catch::Contains("m.csv:3"));
  CHECK_THAT(error_for(",1\n"), Catch::Contains("m.csv:3"));  // no genotype
  CHECK_THAT(error_for("0000\n"), Catch::Contains("m.csv:3") && Catch::Contains("fields"));
  CHECK(error_for("0010,2.5\n") == "(no error)");  // the ops code: a digit per position
}

TEST_CASE("fbnet-c100 reads HW-NAS-Bench's 22-digit ops codes", "[cost][latency][fit][space]") {
  const Space space = load_space("fbnet-c100");
  REQUIRE(space.positions.size() == 22);
  const Genotype g = parse_genotype(space, "7818488874147327324245");
  CHECK(g.front() == 7);
  CHECK(g.back() == 5);
  const Arch a = decode(space, g);
  CHECK(a.input.h == 32);
  CHECK(a.num_classes == 100);
  CHECK_THAT(test::error_of([&] { parse_genotype(space, "78184888741473273242459"); }),
             Catch::Contains("22-digit"));
}
