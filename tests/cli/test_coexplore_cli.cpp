// Strategy `coexplore` (NASAIC) end to end on the real binary: a joint space
// small enough to enumerate (two tasks of 9 networks, 4 accelerator
// designs), its optimum computed here independently with the accelerator
// model, found by REINFORCE and by NSGA-II; early rejection, the successive
// baseline, resume, and the refusals of bad input. Also the design space
// itself: drawn designs are valid design files.
#include <csignal>
#include <filesystem>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/accel/accel_model.h"
#include "hwnas/accel/design_space.h"
#include "hwnas/common/document.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
using test::run_hwnas;
namespace fs = std::filesystem;

namespace {

const char* const kTiny = R"(name: tiny
input: [1, 16, 16]
num_classes: 10
candidates:
  a: {op: mbconv, k: 3, e: 1}
  b: {op: mbconv, k: 3, e: 3}
  c: {op: mbconv, k: 5, e: 6}
layers:
  - {op: conv, out: 8, k: 3, stride: 1}
  - {stage: {out: 16, depth: 1, stride: 1, choices: [a, b, c]}}
  - {stage: {out: 32, depth: 1, stride: 2, choices: [a, b, c]}}
  - {op: gap}
  - {op: linear, out: 10}
)";

// Two subs; the first chooses its template, the second its PEs: 4 designs.
const char* const kDesigns = R"(name: pair
budget: {pes: 512, offchip_bw: 64}
sub_accelerators:
  - {name: left, template: [nvdla, shidiannao], pes: 128, cluster: 8, l1_bytes: 512,
     l2_bytes: 262144, noc_bw: 64, offchip_bw: 16, clock_mhz: 500, bits: 8}
  - {name: right, template: eyeriss, pes: [64, 256], cluster: 0, l1_bytes: 512,
     l2_bytes: 262144, noc_bw: 64, offchip_bw: 16, clock_mhz: 500, bits: 8}
mapping: [left, right]
)";

// Task fitness: bigger choices score higher, differently per task.
double fitness_of(int task, const Genotype& g) {
  return task == 0 ? 50 + 3 * g[0] + 2 * g[1] : 60 + g[0] + 4 * g[1] + 0.5 * g[0] * g[1];
}

struct Joint {
  std::string dir, config;
  double optimum = 0;        ///< the best reward meeting the specs
  std::size_t feasible = 0;  ///< joint samples meeting them
  std::size_t all = 0;
};

// Writes the spaces, tables, design space and a config; enumerates every
// (net, net, design) on the accelerator model for the optimum under a
// latency spec at the median of all joint latencies.
Joint make_joint(const std::string& tag, const std::string& strategy_extra) {
  Joint j;
  j.dir = test::temp_dir(tag);
  write_file_atomic(j.dir + "/tiny.yaml", kTiny);
  write_file_atomic(j.dir + "/designs.yaml", kDesigns);
  const Space space = load_space(j.dir + "/tiny.yaml");
  std::vector<Genotype> nets;
  enumerate(space, [&](const Genotype& g) { return nets.push_back(g), true; });
  for (int t = 0; t < 2; ++t) {
    std::string csv = "genotype,acc\n";
    for (const auto& g : nets)
      csv += "\"" + format_genotype(g) + "\"," + std::to_string(fitness_of(t, g)) + "\n";
    write_file_atomic(j.dir + "/acc" + std::to_string(t) + ".csv", csv);
  }
  const accel::DesignSpace ds = accel::load_design_space(j.dir + "/designs.yaml", 2);
  std::vector<std::pair<double, double>> points;  // (latency, reward)
  for (const auto& a : nets)
    for (const auto& b : nets)
      for (int d0 = 0; d0 < 2; ++d0)
        for (int d1 = 0; d1 < 2; ++d1) {
          Arch x = decode(space, a), y = decode(space, b);
          const auto cost = accel::evaluate_design({x, y}, ds.design({d0, d1}));
          points.emplace_back(cost.latency_ms, 0.5 * fitness_of(0, a) + fitness_of(1, b));
        }
  std::vector<double> lat;
  for (const auto& p : points) lat.push_back(p.first);
  std::nth_element(lat.begin(), lat.begin() + long(lat.size() / 2), lat.end());
  const double spec = lat[lat.size() / 2];
  j.all = points.size();
  for (const auto& p : points)
    if (p.first <= spec) ++j.feasible, j.optimum = std::max(j.optimum, p.second);
  j.config = j.dir + "/c.yaml";
  write_file_atomic(
      j.config,
      "name: co\nseed: 3\nthreads: 1\nspace: tiny.yaml\n"
      "data: {dataset: synthetic, train_limit: 320, test_limit: 32}\n"
      "train: {epochs: 1, batch: 32}\n"
      "strategy:\n  type: coexplore\n  accelerator: designs.yaml\n"
      "  tasks:\n"
      "    - {name: first, weight: 0.5, fitness: {type: table, file: acc0.csv, column: acc}}\n"
      "    - {name: second, space: tiny.yaml, fitness: {type: table, file: acc1.csv, column: "
      "acc}}\n"
      "  specs: {latency_ms: " +
          std::to_string(spec) + "}\n" + strategy_extra);
  return j;
}

// The first task scored by training (one epoch) instead of its table.
void train_first_task(const Joint& j) {
  auto text = read_text_file(j.config);
  const std::string table = "{type: table, file: acc0.csv, column: acc}";
  text.replace(text.find(table), table.size(), "{type: train, epochs: 1}");
  write_file_atomic(j.config, text);
}

nlohmann::json result_of(const std::string& run) {
  return nlohmann::json::parse(read_text_file(run + "/coexplore/result.json"));
}

}  // namespace

TEST_CASE("a drawn design is a valid design file; bad design spaces name the place",
          "[cli][coexplore]") {
  auto dir = test::temp_dir("coexplore-designs");
  write_file_atomic(dir + "/designs.yaml", kDesigns);
  const accel::DesignSpace ds = accel::load_design_space(dir + "/designs.yaml", 2);
  REQUIRE(ds.choices.size() == 2);
  CHECK(ds.choices[0].key == "left.template");
  CHECK(ds.choices[1].key == "right.pes");
  CHECK(ds.size() == 4);
  // Each design written out loads as a design file and `hwnas accel` prices it.
  write_file_atomic(dir + "/tiny.yaml", kTiny);
  const Space space = load_space(dir + "/tiny.yaml");
  save_arch(decode(space, {1, 2}), dir + "/a.arch.json");
  for (int d0 = 0; d0 < 2; ++d0)
    for (int d1 = 0; d1 < 2; ++d1) {
      const std::string file = dir + "/drawn.yaml";
      write_file_atomic(file, to_yaml(ds.design_json({d0, d1})));
      const accel::AccelDesign d = accel::load_accel_design(file);
      CHECK(d.subs[0].template_name == (d0 ? "shidiannao" : "nvdla"));
      CHECK(d.subs[1].pes == (d1 ? 256 : 64));
      auto r = run_hwnas({"accel", "--arch", dir + "/a.arch.json", "--arch", dir + "/a.arch.json",
                          "--accel", file, "--json"});
      INFO(r.err);
      CHECK(r.rc == 0);
    }
  // `mapping: search` adds one choice per task.
  std::string text = kDesigns;
  text.replace(text.find("mapping: [left, right]"), 22, "mapping: search");
  write_file_atomic(dir + "/search.yaml", text);
  const accel::DesignSpace ms = accel::load_design_space(dir + "/search.yaml", 3);
  CHECK(ms.choices.size() == 5);
  CHECK(ms.choices[4].key == "mapping[2]");
  CHECK(ms.design({0, 0, 1, 0, 1}).mapping[2][0].sub == 1);

  auto refused = [&](const std::string& from, const std::string& to, int tasks = 2) {
    std::string t = kDesigns;
    t.replace(t.find(from), from.size(), to);
    write_file_atomic(dir + "/bad.yaml", t);
    return test::error_of([&] { accel::load_design_space(dir + "/bad.yaml", tasks); });
  };
  CHECK_THAT(refused("[nvdla, shidiannao]", "[nvdla, tpu]"), Catch::Contains("bad.yaml:4:") &&
                                                                 Catch::Contains("template") &&
                                                                 Catch::Contains("shidiannao"));
  CHECK_THAT(refused("pes: 512", "pes: 100"), Catch::Contains("bad.yaml:2:") &&
                                                  Catch::Contains("budget.pes") &&
                                                  Catch::Contains("192 PEs"));
  CHECK_THAT(refused("offchip_bw: 64", "offchip_bw: 20"),
             Catch::Contains("budget.offchip_bw") && Catch::Contains("32 in all"));
  CHECK_THAT(refused("[64, 256]", "[]"), Catch::Contains("right") || Catch::Contains("pes"));
  CHECK_THAT(refused("name: pair", "name: pair", 3),
             Catch::Contains("maps 2 task(s), but the search has 3"));
}

TEST_CASE("coexplore finds the enumerated joint optimum with REINFORCE and with NSGA-II",
          "[cli][search][coexplore]") {
  for (const std::string controller : {"reinforce", "evolution"}) {
    DYNAMIC_SECTION(controller) {
      const int samples = controller == "reinforce" ? 300 : 100;
      Joint j =
          make_joint("coexplore-" + controller, "  controller: " + controller +
                                                    "\n  samples: " + std::to_string(samples) +
                                                    "\n  batch: 10\n  population: 20\n"
                                                    "  lr: 0.02\n  baseline: successive\n");
      REQUIRE(j.feasible > 0);
      REQUIRE(j.feasible < j.all);
      auto r = run_hwnas({"search", "--config", j.config, "--out", j.dir + "/run", "--json"});
      INFO(r.err);
      REQUIRE(r.rc == 0);
      const auto res = result_of(j.dir + "/run");
      CHECK(res["coexplored"]["reward"].get<double>() == Approx(j.optimum).epsilon(1e-9));
      CHECK(res["coexplored"]["meets_specs"]["latency_ms"] == true);
      // Early rejection: a sample over the spec was never scored.
      const auto records = test::read_jsonl(j.dir + "/run/candidates.jsonl");
      // (Evolution records what it scored; its refusals are draws.)
      REQUIRE(records.size() == std::size_t(samples));
      std::size_t refused = 0;
      for (const auto& rec : records)
        if (!rec["feasible"].get<bool>()) {
          ++refused;
          CHECK(rec["fitness"][0].is_null());
          CHECK(rec["fitness"][1].is_null());
          CHECK(rec["costs"]["latency_ms"].get<double>() > 0);
          CHECK(rec["reward"].get<double>() < 0);
        }
      if (controller == "reinforce") CHECK(refused > 0);
      // The picked design is a design file; the networks are arch files.
      CHECK(accel::load_accel_design(j.dir + "/run/coexplore/best/design.yaml").subs.size() == 2);
      CHECK(fs::exists(j.dir + "/run/coexplore/best/first.arch.json"));
      CHECK(fs::exists(j.dir + "/run/coexplore/best/second.arch.json"));
      // The successive flow takes each task's best network alone: the
      // largest ones, which no design runs within the spec here.
      const auto& succ = res["successive"];
      CHECK(succ["networks"][0]["genotype"] == nlohmann::json({2, 2}));
      CHECK(succ["networks"][1]["genotype"] == nlohmann::json({2, 2}));
      CHECK(succ["reward"].get<double>() > j.optimum);
      CHECK(succ["meets_specs"]["latency_ms"] == false);
      CHECK(nlohmann::json::parse(r.out)["search"]["coexplored"] == res["coexplored"]);
    }
  }
}

TEST_CASE("coexplore resumed after SIGINT ends as the whole run", "[cli][search][coexplore]") {
  Joint j = make_joint("coexplore-resume", "  controller: reinforce\n  samples: 60\n  batch: 5\n");
  train_first_task(j);  // so the search takes long enough to cut
  auto whole = run_hwnas({"search", "--config", j.config, "--out", j.dir + "/whole", "--json"});
  INFO(whole.err);
  REQUIRE(whole.rc == 0);
  const std::string run = j.dir + "/cut";
  CHECK(test::interrupt_hwnas({"search", "--config", j.config, "--out", run},
                              run + "/candidates.jsonl", SIGINT) == 130);
  auto r = run_hwnas({"search", "--resume", run, "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  auto untimed = [](std::vector<nlohmann::json> v) {
    for (auto& x : v) x.erase("seconds");
    return v;
  };
  CHECK(untimed(test::read_jsonl(run + "/candidates.jsonl")) ==
        untimed(test::read_jsonl(j.dir + "/whole/candidates.jsonl")));
  CHECK(result_of(run)["coexplored"]["reward"] ==
        result_of(j.dir + "/whole")["coexplored"]["reward"]);
}

TEST_CASE("coexplore over 2 ranks records what one process records",
          "[cli][search][coexplore][distributed]") {
  for (const std::string controller : {"reinforce", "evolution"}) {
    DYNAMIC_SECTION(controller) {
      Joint j = make_joint("coexplore-dist-" + controller,
                           "  controller: " + controller +
                               "\n  samples: 24\n  batch: 4\n  population: 6\n"
                               "  baseline: successive\n");
      train_first_task(j);  // the ranks share real evaluations
      auto one = run_hwnas({"search", "--config", j.config, "--out", j.dir + "/one", "--json"});
      INFO(one.err);
      REQUIRE(one.rc == 0);
      auto two = run_hwnas({"launch", "--nproc", "2", "--", "search", "--config", j.config, "--out",
                            j.dir + "/two", "--json"});
      INFO(two.err);
      REQUIRE(two.rc == 0);
      auto untimed = [](std::vector<nlohmann::json> v) {
        for (auto& x : v) x.erase("seconds");
        return v;
      };
      const auto records = untimed(test::read_jsonl(j.dir + "/two/candidates.jsonl"));
      CHECK(records.size() == 24);
      CHECK(records == untimed(test::read_jsonl(j.dir + "/one/candidates.jsonl")));
      // The picks, less where their files are.
      for (const char* pick : {"coexplored", "successive"}) {
        auto placeless = [&](const std::string& run) {
          nlohmann::json p = result_of(run)[pick];
          p.erase("design_file");
          for (auto& n : p["networks"]) n.erase("arch");
          return p;
        };
        CHECK(placeless(j.dir + "/two") == placeless(j.dir + "/one"));
      }
    }
  }
}

TEST_CASE("coexplore refuses bad tasks, design spaces and specs before any work",
          "[cli][search][coexplore]") {
  Joint j = make_joint("coexplore-bad", "  samples: 10\n");
  const std::string good = read_text_file(j.config);
  auto refused = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    REQUIRE(t.find(from) != std::string::npos);
    t.replace(t.find(from), from.size(), to);
    write_file_atomic(j.dir + "/bad.yaml", t);
    auto r = run_hwnas(
        {"search", "--config", j.dir + "/bad.yaml", "--out", j.dir + "/bad-run", "--dry-run"});
    CHECK(r.rc == 2);
    CHECK_FALSE(fs::exists(j.dir + "/bad-run"));
    return r.err;
  };
  CHECK_THAT(refused(", fitness: {type: table, file: acc0.csv, column: acc}}", "}"),
             Catch::Contains("bad.yaml:11:") && Catch::Contains("fitness"));
  CHECK_THAT(refused("accelerator: designs.yaml", "accelerator: nowhere.yaml"),
             Catch::Contains("nowhere.yaml"));
  CHECK_THAT(refused("specs: {latency_ms:", "specs: {area_mm2: 0.000001, latency_ms:"),
             Catch::Contains("specs.area_mm2") &&
                 Catch::Contains("below what any design of pair can reach"));
  CHECK_THAT(refused("specs: {latency_ms:", "specs: {latency_ms: 0.0000001, energy_mj:"),
             Catch::Contains("specs.latency_ms") && Catch::Contains("task '"));
  CHECK_THAT(refused("name: second", "name: first"), Catch::Contains("two tasks are named"));
  // Buffers too small for a layer: named, with the size it needs.
  auto designs = read_text_file(j.dir + "/designs.yaml");
  for (std::size_t at; (at = designs.find("l2_bytes: 262144")) != std::string::npos;)
    designs.replace(at, 16, "l2_bytes: 64");
  write_file_atomic(j.dir + "/small.yaml", designs);
  CHECK_THAT(refused("accelerator: designs.yaml", "accelerator: small.yaml"),
             Catch::Contains("fits no sub-accelerator") && Catch::Contains("bytes of L2"));
  // Layer ranges in a fixed mapping: coexplore maps whole networks.
  auto ranges = read_text_file(j.dir + "/designs.yaml");
  ranges.replace(ranges.find("mapping: [left, right]"), 22,
                 "mapping: [[{layers: [0, 1], sub: left}, {layers: [2, 4], sub: right}], right]");
  write_file_atomic(j.dir + "/ranges.yaml", ranges);
  CHECK_THAT(refused("accelerator: designs.yaml", "accelerator: ranges.yaml"),
             Catch::Contains("ranges.yaml") && Catch::Contains("maps whole networks"));
  // Training fitness on a task whose space does not take the run's data.
  std::string wide = kTiny;
  wide.replace(wide.find("input: [1, 16, 16]"), 18, "input: [3, 16, 16]");
  wide.replace(wide.find("name: tiny"), 10, "name: wide");
  write_file_atomic(j.dir + "/wide.yaml", wide);
  CHECK_THAT(refused("{name: second, space: tiny.yaml, fitness: {type: table, file: acc1.csv, "
                     "column: acc}}",
                     "{name: second, space: wide.yaml, fitness: {type: train}}"),
             Catch::Contains("task 'second'") && Catch::Contains("3x16x16") &&
                 Catch::Contains("use table or proxy"));
  // A top-level fitness: per task only.
  CHECK_THAT(refused("strategy:", "fitness: {type: proxy}\nstrategy:"),
             Catch::Contains("fitness") && Catch::Contains("remove this key"));
}
