// `hwnas search` with strategy `growth` (EAS) on synthetic data: the lineage
// in candidates.jsonl, the bound that rejects children untrained, the grown
// net as the run's result, resume after a kill that retrains no child, and
// the options and start nets it refuses before any work.
#include <cmath>
#include <csignal>
#include <filesystem>
#include <set>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"
#include "hwnas/common/files.h"

using namespace hwnas;
using test::run_hwnas;
namespace fs = std::filesystem;

namespace {

constexpr double kMaxParams = 2500;  // the start net has 886

// A run of the EAS start net (configs/growth/eas-start.arch.json) on evo4's
// input and classes; `strategy` is appended to the strategy mapping.
std::string growth_config(const std::string& dir, const std::string& strategy,
                          const std::string& constraints = "  - {metric: params, max: 2500}\n") {
  write_file_atomic(dir + "/evo4.yaml", test::kEvo4Space);
  write_file_atomic(dir + "/c.yaml",
                    "name: g\nseed: 3\nthreads: 1\nspace: evo4.yaml\n"
                    "data: {dataset: synthetic, train_limit: 384, test_limit: 64}\n"
                    "cost_models: {f: {type: flops, gmacs_per_s: 1, overhead_ms: 0.1}}\n"
                    "constraints:\n" +
                        constraints + "  - {model: f, metric: latency_ms, max: 1000}\n" +
                        "strategy: {type: growth, start: " +
                        test::source_path("configs/growth/eas-start.arch.json") +
                        ", episodes: 2, children: 3, epochs: 1, start_epochs: 1,\n  " +
                        (strategy.find("widths:") == std::string::npos ? "widths: [4, 8, 16, 32]"
                                                                       : "controller: reinforce") +
                        strategy +
                        "}\n"
                        "train: {batch: 32, optimizer: {lr: 0.05}}\n");
  return dir + "/c.yaml";
}

// A record without its timing, for comparing two runs.
nlohmann::json untimed(nlohmann::json c) {
  c.erase("seconds");
  return c;
}

}  // namespace

TEST_CASE("growth grows a trained net under a bound, and a resumed run retrains no child",
          "[cli][search][growth]") {
  auto dir = test::temp_dir("growth");
  const std::string cfg = growth_config(dir, "");
  auto whole = run_hwnas({"search", "--config", cfg, "--out", dir + "/whole", "--json"});
  INFO(whole.err);
  REQUIRE(whole.rc == 0);
  const json j = json::parse(whole.out);
  const auto nets = test::read_jsonl(dir + "/whole/candidates.jsonl");
  REQUIRE(nets.size() >= 2);
  // The start net first, trained from scratch; every child from an earlier net.
  CHECK(nets[0]["id"] == 0);
  CHECK(nets[0]["parent"] == -1);
  CHECK(nets[0]["trained"] == true);
  CHECK(nets[0]["costs"]["ir.params"] == 886);
  std::set<std::string> archs;
  int best = 0;
  for (std::size_t i = 0; i < nets.size(); ++i) {
    const json& n = nets[i];
    INFO(n.dump());
    CHECK(n["id"] == int(i));
    archs.insert(n["arch"]["layers"].dump());
    const bool weights = fs::exists(dir + "/whole/growth/net-" + std::to_string(i) + ".weights");
    const double params = n["costs"]["ir.params"];
    CHECK(n["feasible"] == (params <= kMaxParams));
    CHECK(n["trained"] == n["feasible"]);  // a child over the bound is never trained
    CHECK(weights == n["trained"].get<bool>());
    if (n["trained"]) {
      const double acc = n["val_accuracy"];
      CHECK(acc >= 0);
      CHECK(acc <= 1);
      CHECK(n["reward"].get<double>() == Approx(std::tan(std::min(acc, 0.999) * M_PI / 2)));
      if (acc > nets[std::size_t(best)]["val_accuracy"].get<double>()) best = int(i);
    } else {
      CHECK(n["reward"].get<double>() == Approx(1 - params / kMaxParams));  // -1 x excess
    }
    if (i == 0) continue;
    const int parent = n["parent"];
    REQUIRE(parent >= 0);
    REQUIRE(parent < int(i));
    CHECK(nets[std::size_t(parent)]["trained"] == true);
    CHECK(nets[std::size_t(parent)]["episode"].get<int>() < n["episode"].get<int>());
    CHECK(params >= nets[std::size_t(parent)]["costs"]["ir.params"].get<double>());  // grows
    REQUIRE_FALSE(n["transforms"].empty());
    for (const auto& t : n["transforms"]) {
      const std::string s = t;
      CHECK((s.rfind("widen ", 0) == 0 || s.rfind("deepen ", 0) == 0));
    }
  }
  CHECK(archs.size() == nets.size());  // no net trained twice
  // The run's result is the best net, its weights used as they are (no retrain).
  CHECK(j["retrained"] == false);
  CHECK(j["search"]["best_net"] == best);
  CHECK(j["search"]["controller"] == "reinforce");
  CHECK(j["search"]["episodes"] == 2);
  const auto picked = nlohmann::json::parse(read_text_file(dir + "/whole/best.arch.json"));
  CHECK(picked["layers"] == nets[std::size_t(best)]["arch"]["layers"]);
  CHECK(fs::exists(dir + "/whole/grown.weights"));
  CHECK(fs::exists(dir + "/whole/growth/controller.pt"));
  CHECK_THAT(read_text_file(dir + "/whole/growth/lineage.dot"), Catch::Contains("n0 -> n1"));
  CHECK(fs::file_size(dir + "/whole/growth/lineage.png") > 1000);

  // Resuming a finished run trains nothing again and reports the same result.
  const auto before_resume = read_text_file(dir + "/whole/candidates.jsonl");
  auto again = run_hwnas({"search", "--resume", dir + "/whole", "--json"});
  INFO(again.err);
  REQUIRE(again.rc == 0);
  CHECK(json::parse(again.out)["search"] == j["search"]);
  CHECK(json::parse(again.out)["test_accuracy"] == j["test_accuracy"]);
  CHECK(read_text_file(dir + "/whole/candidates.jsonl") == before_resume);

  // SIGINT once the start net is recorded, then --resume: the records kept,
  // and the same lineage as the whole run (actions re-drawn per child,
  // controller as checkpointed).
  const std::string run = dir + "/cut";
  CHECK(test::interrupt_hwnas({"search", "--config", cfg, "--out", run}, run + "/candidates.jsonl",
                              SIGINT) == 130);
  const auto cut = test::read_jsonl(run + "/candidates.jsonl");
  REQUIRE(!cut.empty());
  REQUIRE(cut.size() < nets.size());
  auto r = run_hwnas({"search", "--resume", run, "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  const auto after = test::read_jsonl(run + "/candidates.jsonl");
  REQUIRE(after.size() == nets.size());
  for (std::size_t i = 0; i < cut.size(); ++i) CHECK(after[i] == cut[i]);
  for (std::size_t i = 0; i < nets.size(); ++i) CHECK(untimed(after[i]) == untimed(nets[i]));
  CHECK(json::parse(r.out)["search"] == j["search"]);
}

TEST_CASE("growth over 2 ranks records the lineage of one process",
          "[cli][search][growth][distributed]") {
  auto dir = test::temp_dir("growth-dist");
  const std::string cfg = growth_config(dir, "");
  auto one = run_hwnas({"search", "--config", cfg, "--out", dir + "/one", "--json"});
  INFO(one.err);
  REQUIRE(one.rc == 0);
  auto two = run_hwnas(
      {"launch", "--nproc", "2", "--", "search", "--config", cfg, "--out", dir + "/two", "--json"});
  INFO(two.err);
  REQUIRE(two.rc == 0);
  const auto a = test::read_jsonl(dir + "/one/candidates.jsonl");
  const auto b = test::read_jsonl(dir + "/two/candidates.jsonl");
  REQUIRE(a.size() == b.size());
  REQUIRE(a.size() >= 4);  // the start net and at least one child per rank
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(untimed(b[i]) == untimed(a[i]));
  // Rank 0 holds every trained net's weights, whichever rank trained it.
  for (const auto& n : b)
    CHECK(fs::exists(dir + "/two/growth/net-" + n["id"].dump() + ".weights") ==
          n["trained"].get<bool>());
  CHECK(json::parse(two.out)["search"] == json::parse(one.out)["search"]);
  CHECK(json::parse(two.out)["test_accuracy"] == json::parse(one.out)["test_accuracy"]);
}

TEST_CASE("growth with random actions, from a genotype of the space", "[cli][search][growth]") {
  auto dir = test::temp_dir("growth-random");
  std::string cfg = growth_config(dir, ", controller: random");
  std::string text = read_text_file(cfg);
  const std::string from = "start: " + test::source_path("configs/growth/eas-start.arch.json");
  text.replace(text.find(from), from.size(), "start: [0, 0, 0, 0]");
  text.replace(text.find("max: 2500"), 9, "max: 100000");
  write_file_atomic(cfg, text);
  auto r = run_hwnas({"search", "--config", cfg, "--out", dir + "/run", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  const auto nets = test::read_jsonl(dir + "/run/candidates.jsonl");
  REQUIRE(nets.size() >= 2);
  // evo4's [0,0,0,0]: a stem conv, four MBConv k3 e1, gap, linear.
  CHECK(nets[0]["arch"]["layers"].size() == 7);
  for (const auto& n : nets) CHECK(n["trained"] == true);  // all far under the bound
  CHECK(json::parse(r.out)["search"]["controller"] == "random");
  CHECK_FALSE(fs::exists(dir + "/run/growth/controller.pt"));  // nothing learned

  // `retrain: {from: grown}` fine-tunes the grown net from its weights: at a
  // vanishing lr (only BN's running statistics move) it keeps what the net
  // learned, where the same schedule from scratch stays near chance.
  auto retrained = [&](const std::string& from) {
    write_file_atomic(
        cfg, text + "retrain: {from: " + from + ", epochs: 1, batch: 32, optimizer: {lr: 1e-8}}\n");
    auto t = run_hwnas({"search", "--config", cfg, "--out", dir + "/" + from, "--json"});
    INFO(t.err);
    REQUIRE(t.rc == 0);
    const json tj = json::parse(t.out);
    CHECK(tj["retrained"] == true);
    return tj["test_accuracy"].get<double>();
  };
  const double grown = retrained("grown"), scratch = retrained("scratch");
  CHECK(scratch < 0.25);
  CHECK(grown > scratch + 0.15);
  CHECK_THAT(read_text_file(dir + "/grown/summary.md"),
             Catch::Contains("fine-tuned from its grown weights"));
}

TEST_CASE("growth refuses bad options and start nets before any work", "[cli][search][growth]") {
  auto dir = test::temp_dir("growth-refused");
  auto refused = [&](const std::string& strategy,
                     const std::string& constraints = "  - {metric: params, max: 2500}\n") {
    const std::string cfg = growth_config(dir, strategy, constraints);
    return run_hwnas({"search", "--config", cfg, "--out", dir + "/bad"});
  };
  struct Case {
    std::string strategy, want;
  };
  const std::vector<Case> cases = {
      {", kernels: [1, 2]", "expected odd kernel sizes"},
      {", widths: [8, 4]", "expected increasing values"},
      {", widen_steps: 0, deepen_steps: 0", "a child would equal its parent"},
      {", episodes: 0", "episodes"},
      {", controller: ppo", "controller"},
      {", noise: 2", "noise"},
      {", widths: [2, 3], deepen_steps: 0",
       "no transformation applies to the start net: no "
       "layer can be widened to a larger listed width"},
  };
  for (const auto& c : cases) {
    INFO(c.strategy);
    auto r = refused(c.strategy);
    CHECK(r.rc == 2);
    CHECK_THAT(r.err, Catch::Contains("c.yaml:") && Catch::Contains(c.want));
  }
  // The start net already over the bound.
  auto over = refused("", "  - {metric: params, max: 500}\n");
  CHECK(over.rc == 2);
  CHECK_THAT(over.err, Catch::Contains("c.yaml:") && Catch::Contains("start") &&
                           Catch::Contains("already misses params <= 500 (886)"));
  // A bound on a per-layer table cannot price grown layers.
  {
    std::string text =
        read_text_file(growth_config(dir, "",
                                     "  - {metric: params, max: 2500}\n"
                                     "  - {model: t, metric: latency_ms, max: 5}\n"));
    text.replace(text.find("cost_models: {"), 14,
                 "cost_models: {t: {type: lut, table: " +
                     test::source_path("latency_models/proxyless-fmnist.cpu.json") + "}, ");
    text.replace(text.find("space: evo4.yaml"), 16, "space: proxyless-fmnist");  // the table's
    write_file_atomic(dir + "/c.yaml", text);
  }
  auto lut = run_hwnas({"search", "--config", dir + "/c.yaml", "--out", dir + "/bad"});
  CHECK(lut.rc == 2);
  CHECK_THAT(lut.err, Catch::Contains("c.yaml:") && Catch::Contains("a grown net has others"));
  // A start net for other inputs, a missing one, one that is not an arch.
  write_file_atomic(dir + "/rgb.arch.json",
                    R"({"format": "hwnas.arch/1", "name": "rgb", "input": [3, 32, 32],
  "num_classes": 10, "layers": [{"op": "conv", "out": 4, "k": 3}, {"op": "gap"},
  {"op": "linear", "out": 10}]})");
  write_file_atomic(dir + "/broken.arch.json", "{\"format\": \"hwnas.arch/1\", \"layers\": [");
  for (const auto& [file, want] : std::vector<std::pair<std::string, std::string>>{
           {"rgb.arch.json", "takes 3x32x32 inputs to 10 classes; space evo4"},
           {"nowhere.arch.json", "nowhere.arch.json"},
           {"broken.arch.json", "broken.arch.json:1"}}) {
    INFO(file);
    std::string text = read_text_file(growth_config(dir, ""));
    const std::string from = "start: " + test::source_path("configs/growth/eas-start.arch.json");
    text.replace(text.find(from), from.size(), "start: " + file);
    write_file_atomic(dir + "/c.yaml", text);
    auto r = run_hwnas({"search", "--config", dir + "/c.yaml", "--out", dir + "/bad"});
    CHECK(r.rc == 2);
    CHECK_THAT(r.err, Catch::Contains(want));
  }
  // No start net at all.
  {
    std::string text = read_text_file(growth_config(dir, ""));
    const std::string from =
        "start: " + test::source_path("configs/growth/eas-start.arch.json") + ", ";
    text.erase(text.find(from), from.size());
    write_file_atomic(dir + "/c.yaml", text);
    auto r = run_hwnas({"search", "--config", dir + "/c.yaml", "--out", dir + "/bad"});
    CHECK(r.rc == 2);
    CHECK_THAT(r.err, Catch::Contains("c.yaml:") && Catch::Contains("start"));
  }
  // A genotype the space does not have.
  {
    std::string text = read_text_file(growth_config(dir, ""));
    const std::string from = "start: " + test::source_path("configs/growth/eas-start.arch.json");
    text.replace(text.find(from), from.size(), "start: [0, 7, 0, 0]");
    write_file_atomic(dir + "/c.yaml", text);
    auto r = run_hwnas({"search", "--config", dir + "/c.yaml", "--out", dir + "/bad"});
    CHECK(r.rc == 2);
    CHECK_THAT(r.err, Catch::Contains("c.yaml:"));
  }
  // Fine-tuning from grown weights needs a growth run.
  write_file_atomic(dir + "/r.yaml",
                    "space: evo4.yaml\nstrategy: {type: random, samples: 2}\n"
                    "retrain: {from: grown}\n");
  auto from = run_hwnas({"search", "--config", dir + "/r.yaml", "--out", dir + "/bad"});
  CHECK(from.rc == 2);
  CHECK_THAT(from.err, Catch::Contains("r.yaml:3:17") && Catch::Contains("needs strategy growth"));
  CHECK_FALSE(fs::exists(dir + "/bad"));
}
