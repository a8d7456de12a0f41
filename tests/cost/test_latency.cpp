// Latency tables, their calibration, and the statistics that judge them.
#include <cmath>
#include <random>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/statistics.h"
#include "hwnas/cost/cost_table.h"
#include "hwnas/cost/lut_model.h"
#include "hwnas/cost/registry.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
using test::error_of;

namespace {

// Kendall's tau-b written straight from its definition, for comparison.
double reference_tau_b(const std::vector<double>& x, const std::vector<double>& y) {
  double nc = 0, nd = 0, n0 = 0, n1 = 0, n2 = 0;
  const std::size_t n = x.size();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) {
      n0 += 1;
      double s = (x[i] > x[j]   ? 1
                  : x[i] < x[j] ? -1
                                : 0) *
                 (y[i] > y[j]   ? 1
                  : y[i] < y[j] ? -1
                                : 0);
      nc += s > 0, nd += s < 0;
      n1 += x[i] == x[j];
      n2 += y[i] == y[j];
    }
  return (nc - nd) / std::sqrt((n0 - n1) * (n0 - n2));
}

LatencyTable table_of(const Space& s, double per_gmac_ms) {
  LatencyTable t;
  t.space = s.name;
  for (const auto& [l, in] : distinct_layers(s))
    t.add({l, in, double(layer_stats(l, in).macs) * 1e-9 * per_gmac_ms * 1e3 + 0.02, 0.1, 50});
  return t;
}

}  // namespace

TEST_CASE("statistics against their definitions on fixed data", "[latency]") {
  std::vector<double> a = {1, 2, 3, 4, 5, 6, 7, 8}, b = {2, 1, 4, 3, 6, 5, 8, 7};
  CHECK(kendall_tau(a, b) == Approx(20.0 / 28));  // 24 concordant, 4 discordant pairs of 28
  std::vector<double> ta = {1, 2, 2, 3, 4, 4, 4, 5}, tb = {1, 3, 2, 2, 5, 4, 4, 6};
  CHECK(kendall_tau(ta, tb) == Approx(reference_tau_b(ta, tb)));
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> d(0, 6);
  std::vector<double> x(60), y(60);
  for (int i = 0; i < 60; ++i) x[i] = d(rng), y[i] = x[i] + d(rng);
  CHECK(kendall_tau(x, y) == Approx(reference_tau_b(x, y)));
  CHECK(spearman_rho(a, b) == Approx(1 - 6.0 * 8 / (8 * 63)));  // all |d| = 1
  CHECK(spearman_rho({1, 2, 3}, {3, 2, 1}) == Approx(-1));
  CHECK(percentile({5, 1, 3, 2, 4}, 50) == 3);
  CHECK(percentile({1, 2, 3, 4}, 10) == Approx(1.3));
  Agreement g = agreement({1.0, 2.15, 2.9, 4.5}, {1.0, 2.0, 3.0, 4.0});
  CHECK(g.within_5pct == 0.5);
  CHECK(g.within_10pct == 0.75);
  CHECK(g.mape == Approx((0 + 0.075 + 1.0 / 30 + 0.125) / 4));
}

TEST_CASE("calibration recovers a synthetic device's overheads", "[latency]") {
  // Device: every tabled layer really costs 1.2x its table value plus 0.03 ms,
  // and every network 0.4 ms more.
  Space s = load_space("proxyless-fmnist");
  auto t = std::make_shared<const LatencyTable>(table_of(s, 2.0));
  LutModel lut(t);
  Rng rng(3);
  std::normal_distribution<double> noise(0, 0.002);
  std::vector<double> sums, layers, measured;
  for (int i = 0; i < 40; ++i) {
    Arch a = decode(s, sample(s, rng));
    double sum = lut.network(a).latency_ms();
    int n = tabled_layers(a);
    sums.push_back(sum);
    layers.push_back(n);
    measured.push_back(1.2 * sum + 0.03 * n + 0.4 + noise(rng));
  }
  LutCalibration c = fit_calibration(sums, layers, measured);
  CHECK(c.scale == Approx(1.2).epsilon(0.01));
  CHECK(c.per_layer_ms == Approx(0.03).margin(0.003));
  CHECK(c.per_network_ms == Approx(0.4).margin(0.03));
  LutModel cal(t, c, true);
  Arch a = decode(s, sample(s, rng));
  double truth = 1.2 * lut.network(a).latency_ms() + 0.03 * tabled_layers(a) + 0.4;
  CHECK(cal.network(a).latency_ms() == Approx(truth).epsilon(0.01));
  // Through a CostTable the calibrated sum is the same.
  CostTable ct(s, cal);
  CHECK(ct.cost(encode(s, a)).latency_ms() == Approx(cal.network(a).latency_ms()).epsilon(1e-9));
}

TEST_CASE("a calibration fit is the least-squares optimum within the bounds a reader accepts",
          "[latency]") {
  struct Data {
    std::vector<double> sums, layers, measured;
  };
  // Measurements that fall as the table's sums rise (a free fit's scale is
  // negative); that fall with the layer count (a negative per-layer term);
  // and a narrow layer range with a large per-layer slope (a negative
  // intercept, as a real calibration of proxyless-mobile had). All noise,
  // not a device: the bounded fit keeps each term at the bound it crossed.
  const std::vector<Data> cases = {
      {{1, 2, 3, 4, 5}, {4, 4, 5, 5, 6}, {2.0, 1.9, 1.7, 1.8, 1.6}},
      {{1, 2, 3, 4, 5}, {6, 5, 5, 3, 2}, {2.2, 3.5, 4.5, 6.1, 7.4}},
      {{10, 11, 12, 13, 14}, {20, 22, 21, 24, 23}, {12.0, 14.0, 14.5, 17.0, 17.5}},
  };
  for (const auto& [sums, layers, measured] : cases) {
    LutCalibration c = fit_calibration(sums, layers, measured);
    CHECK(c.scale >= kCalibScaleMin);
    CHECK(c.per_layer_ms >= 0);
    CHECK(c.per_network_ms >= 0);
    auto rmse = [&](double scale, double per_layer, double per_network) {
      double e = 0;
      for (size_t i = 0; i < sums.size(); ++i) {
        const double r = scale * sums[i] + per_layer * layers[i] + per_network - measured[i];
        e += r * r;
      }
      return std::sqrt(e / sums.size());
    };
    CHECK(rmse(c.scale, c.per_layer_ms, c.per_network_ms) == Approx(c.fit_rmse_ms));
    // Optimal: no nudge of one term, or of two at once, that stays within the
    // bounds makes the fit better.
    const double x[3] = {c.scale, c.per_layer_ms, c.per_network_ms};
    const double lo[3] = {kCalibScaleMin, 0, 0};
    int at_bound = 0;
    for (int v = 0; v < 3; ++v) at_bound += x[v] == lo[v];
    CHECK(at_bound >= 1);  // each case crosses a bound
    for (int u = 0; u < 3; ++u)
      for (int v = u; v < 3; ++v)
        for (double du : {-1e-3, 1e-3})
          for (double dv : {-1e-3, 0.0, 1e-3}) {
            double y[3] = {x[0], x[1], x[2]};
            y[u] += du;
            if (v != u) y[v] += dv;
            if (y[0] < lo[0] || y[1] < lo[1] || y[2] < lo[2]) continue;
            CHECK(rmse(y[0], y[1], y[2]) >= c.fit_rmse_ms * (1 - 1e-12));
          }
    auto dir = test::temp_dir("calib-bound");
    write_file_atomic(dir + "/t.calib.json", c.to_json("t.json").dump());
    CHECK(LutCalibration::read(load_document(dir + "/t.calib.json")).scale == c.scale);
  }
}

TEST_CASE("a calibration with a negative overhead is refused, naming the key", "[latency]") {
  LutCalibration c;
  c.scale = 1.1;
  auto dir = test::temp_dir("calib-negative");
  for (const char* key : {"per_layer_ms", "per_network_ms"}) {
    json j = c.to_json("t.json");
    j[key] = -0.04;
    write_file_atomic(dir + "/t.calib.json", j.dump());
    try {
      LutCalibration::read(load_document(dir + "/t.calib.json"));
      FAIL("read a negative " << key);
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains(key) && Catch::Contains("t.calib.json"));
    }
  }
}

TEST_CASE("tables round-trip and broken tables are refused", "[latency]") {
  Space s = load_space("proxyless-fmnist");
  LatencyTable t = table_of(s, 1.0);
  auto dir = test::temp_dir("lut");
  save_latency_table(t, dir + "/t.json");
  LatencyTable back = load_latency_table(dir + "/t.json");
  CHECK(back.entries.size() == t.entries.size());
  CHECK(back.find(t.entries[3].layer, t.entries[3].in)->value_ms == t.entries[3].value_ms);

  auto broken = [&](const std::function<void(json&)>& edit) {
    json j = t.to_json();
    edit(j);
    write_file_atomic(dir + "/b.json", j.dump());
    return error_of([&] { load_latency_table(dir + "/b.json"); });
  };
  CHECK_THAT(broken([](json& j) { j["format"] = "hwnas.lut/0"; }),
             Catch::Contains("unsupported format 'hwnas.lut/0'"));
  CHECK_THAT(broken([](json& j) { j["entries"][2].erase("value_ms"); }),
             Catch::Contains("entries[2].value_ms: missing required key"));
  CHECK_THAT(broken([](json& j) { j["entries"][1]["value_ms"] = -0.5; }),
             Catch::Contains("entries[1].value_ms: expected a number in [0,"));
  CHECK_THAT(broken([](json& j) { j["entries"][0]["value_ms"] = "NaN"; }),
             Catch::Contains("expected a number"));
  CHECK_THAT(broken([](json& j) { j["entries"][0]["layer"]["op"] = "conv9"; }),
             Catch::Contains("unknown value 'conv9'"));
  CHECK_THAT(broken([](json& j) { j["entries"].push_back(j["entries"][0]); }),
             Catch::Contains("duplicate entry"));
  CHECK_THAT(broken([](json& j) { j.erase("device"); }),
             Catch::Contains("device: missing required key"));
  write_file_atomic(
      dir + "/nan.json",
      t.to_json().dump().replace(t.to_json().dump().find("\"value_ms\":") + 11, 1, "NaN"));
  CHECK_THAT(error_of([&] { load_latency_table(dir + "/nan.json"); }),
             Catch::Contains("invalid JSON"));

  // A layer the table lacks is an error naming the op and shape, never zero.
  LatencyTable partial = t;
  LatencyTable missing;
  missing.space = t.space;
  for (std::size_t i = 1; i < t.entries.size(); ++i) missing.add(t.entries[i]);
  missing.file = "m.json";
  LutModel m(std::make_shared<const LatencyTable>(missing));
  const auto& e0 = t.entries[0];
  CHECK_THROWS_WITH(
      m.layer({e0.layer, e0.in, infer_shape(e0.layer, e0.in, ""), 1}),
      Catch::Contains("m.json: no entry for " + layer_summary(e0.layer) + " on input " +
                      std::to_string(e0.in.c) + "x" + std::to_string(e0.in.h)));
  CHECK_THROWS(CostTable(s, m));
}

TEST_CASE("a config refuses a table of another space", "[latency]") {
  auto dir = test::temp_dir("lutcfg");
  LatencyTable t = table_of(load_space("fbnet"), 1.0);
  save_latency_table(t, dir + "/fb.json");
  write_file_atomic(dir + "/c.yaml",
                    "space: proxyless-fmnist\nstrategy: {type: proxyless}\n"
                    "cost_models: {lat: {type: lut, table: fb.json}}\n");
  auto r = test::run_hwnas({"search", "--config", dir + "/c.yaml", "--dry-run"});
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains("fb.json") &&
                        Catch::Contains("measured for space fbnet, not proxyless-fmnist"));
}

TEST_CASE("a table from other hardware gives a warning in the log and in --json", "[latency]") {
  auto dir = test::temp_dir("lutwarn");
  LatencyTable t =
      load_latency_table(test::source_path("latency_models/proxyless-fmnist.cpu.json"));
  t.device.cpu_model = "Some Other CPU";
  t.device.cores = 64;
  save_latency_table(t, dir + "/t.json");
  write_file_atomic(dir + "/c.yaml",
                    "space: proxyless-fmnist\nstrategy: {type: proxyless}\n"
                    "cost_models: {lat: {type: lut, table: t.json}}\n");
  auto r = test::run_hwnas({"search", "--config", dir + "/c.yaml", "--dry-run", "--json"});
  REQUIRE(r.rc == 0);
  CHECK_THAT(r.err, Catch::Contains("measured on other hardware"));
  auto w = json::parse(r.out)["warnings"];
  REQUIRE(w.size() == 1);
  CHECK_THAT(w[0].get<std::string>(),
             Catch::Contains("CPU Some Other CPU vs") && Catch::Contains("cores 64 vs"));
  // A fitted (or imported) table is for another device by design: no warning.
  t.device.kind = "fitted";
  save_latency_table(t, dir + "/t.json");
  auto fitted = test::run_hwnas({"search", "--config", dir + "/c.yaml", "--dry-run", "--json"});
  REQUIRE(fitted.rc == 0);
  CHECK_THAT(fitted.err, !Catch::Contains("other hardware"));
  CHECK(json::parse(fitted.out)["warnings"].empty());
}
