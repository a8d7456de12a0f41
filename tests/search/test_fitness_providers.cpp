// Fitness providers with torch: SynFlow by hand, the `proxy` and
// `supernet` fitness through the CLI.
#include <cmath>
#include <filesystem>
#include <sstream>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/files.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/network.h"
#include "hwnas/nn/weights.h"
#include "hwnas/search/entropy.h"
#include "hwnas/search/fitness.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
namespace fs = std::filesystem;

TEST_CASE("synflow equals its hand value and is floored when no path is left", "[search][proxy]") {
  // ones(1x2x2) -> conv 1x1 (weight w, no BN, no bias, no act) -> gap ->
  // linear 1->2 (W, b). With |.| weights R = |w| (|W1| + |W2|) + |b1| + |b2|;
  // the weights' |theta dR/dtheta| sum to 2 |w| (|W1| + |W2|).
  Arch a;
  a.name = "t";
  a.input = {1, 2, 2};
  a.num_classes = 2;
  Layer conv = Layer::make(Op::Conv);
  conv.out = 1, conv.k = 1, conv.bn = false, conv.act = Act::None;
  Layer lin = Layer::make(Op::Linear);
  lin.out = 2;
  a.layers = {conv, Layer::make(Op::Gap), lin};
  torch::manual_seed(7);
  ArchNet net(a);
  const auto p = net->named_parameters();
  const double w = std::abs(p["layers.0.conv.weight"].item<double>());
  const auto fc = p["layers.2.fc.weight"].to(torch::kDouble).abs();
  const double W = fc.sum().item<double>();
  CHECK(synflow_score(a, 7) == Approx(std::log(2 * w * W)).epsilon(1e-12));

  const Space nb = load_space("nb201");
  CHECK(synflow_score(decode(nb, Genotype(6, 0)), 0) == kNoPathScore);  // every edge `none`
  const double conv3 = synflow_score(decode(nb, Genotype(6, 3)), 0);
  CHECK(std::isfinite(conv3));
  CHECK(conv3 > synflow_score(decode(nb, Genotype(6, 1)), 0));  // conv 3x3 over skip
}

TEST_CASE("evolution scores candidates by a zero-cost proxy", "[cli][search][proxy]") {
  auto dir = test::temp_dir("proxy-fitness");
  write_file_atomic(dir + "/evo4.yaml", test::kEvo4Space);
  for (const std::string score : {"synflow", "entropy"}) {
    write_file_atomic(
        dir + "/c.yaml",
        "name: p\nseed: 3\nthreads: 1\nspace: evo4.yaml\n"
        "data: {dataset: synthetic, train_limit: 128, test_limit: 64}\n"
        "train: {batch: 16}\nstrategy: {type: evolution, population: 4, evaluations: 8}\n"
        "fitness: {type: proxy, score: " +
            score + "}\n");
    auto r = test::run_hwnas({"search", "--config", dir + "/c.yaml", "--out", dir + "/" + score});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    const Space space = load_space(dir + "/evo4.yaml");
    std::istringstream lines(read_text_file(dir + "/" + score + "/candidates.jsonl"));
    int n = 0;
    for (std::string line; std::getline(lines, line); ++n) {
      const json c = json::parse(line);
      const Arch arch = decode(space, c["genotype"].get<Genotype>());
      const double want = score == "entropy" ? structural_entropy(arch) : synflow_score(arch, 3);
      CHECK(c["fitness"].get<double>() == Approx(want).epsilon(1e-9));
    }
    CHECK(n == 8);
  }
}

TEST_CASE("evolution scores candidates with weights inherited from a trained supernet",
          "[cli][search][supernet]") {
  auto dir = test::temp_dir("supernet-fitness");
  write_file_atomic(dir + "/evo4.yaml", test::kEvo4Space);
  auto config = [&](const std::string& body) {
    write_file_atomic(dir + "/c.yaml",
                      "name: p\nseed: 3\nthreads: 2\nspace: evo4.yaml\n"
                      "data: {dataset: synthetic, train_limit: 1024, test_limit: 128}\n"
                      "train: {batch: 32, epochs: 3, optimizer: {lr: 0.1}}\n" +
                          body);
    return dir + "/c.yaml";
  };
  // The supernet: a proxyless search with shared weights, whose child is
  // fine-tuned from them at a learning rate too small to move anything.
  auto s = test::run_hwnas(
      {"search", "--config",
       config("strategy: {type: proxyless, warmup_epochs: 2, weights: shared}\n"
              "retrain: {from: supernet, epochs: 1, batch: 32, optimizer: {lr: 1e-8}}\n"),
       "--out", dir + "/super", "--json"});
  INFO(s.err);
  REQUIRE(s.rc == 0);
  CHECK_THAT(read_text_file(dir + "/super/summary.md"),
             Catch::Contains("fine-tuned from the supernet's weights"));
  // The retrained child is the supernet's child: far above chance at once.
  CHECK(json::parse(s.out)["test_accuracy"].get<double>() > 0.5);
  {
    const Arch arch = load_arch(dir + "/super/best.arch.json");
    ArchNet inherited(arch), tuned(arch);
    load_weights(*inherited, dir + "/super/supernet_child.weights");
    load_weights(*tuned, dir + "/super/best.weights");
    auto b = tuned->named_parameters();
    for (const auto& p : inherited->named_parameters()) {
      INFO(p.key());
      CHECK(torch::allclose(p.value(), b[p.key()], 1e-4, 1e-5));
    }
  }
  auto r =
      test::run_hwnas({"search", "--config",
                       config("strategy: {type: evolution, population: 4, evaluations: 8}\n"
                              "fitness: {type: supernet, run: super, bn_batches: 4, batch: 32}\n"),
                       "--out", dir + "/evo"},
                      dir);
  INFO(r.err);
  REQUIRE(r.rc == 0);
  std::istringstream lines(read_text_file(dir + "/evo/candidates.jsonl"));
  double sum = 0;
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n)
    sum += json::parse(line)["fitness"].get<double>();
  REQUIRE(n == 8);
  // The synthetic classes are a bright square's position: inherited weights
  // classify far above chance (10%), which untrained ones do not.
  CHECK(sum / n > 0.5);

  // The ranking diagnostic on the same supernet: three archs, inherited and
  // stand-alone (its retrain settings), Kendall tau; a rerun trains nothing.
  auto rank = test::run_hwnas(
      {"search", "--resume", dir + "/super", "--rank-check", "3", "--standalone", "--json"});
  INFO(rank.err);
  REQUIRE(rank.rc == 0);
  const json rj = json::parse(rank.out);
  REQUIRE(rj["archs"].size() == 3);
  for (const auto& a : rj["archs"]) {
    CHECK(a["inherited"].get<double>() > 0.5);  // the supernet's weights, not a fresh net's
    CHECK(a["standalone"].get<double>() >= 0);
  }
  CHECK(std::abs(rj["kendall_tau"].get<double>()) <= 1.0);
  CHECK(rj["standalone_schedule"] == "1 epochs on 1024 images, 1 seed");
  auto trained = [&](int i, const std::string& schedule, int seed) {
    return fs::exists(dir + "/super/rank_check/" + std::to_string(i) + "/" + schedule + "/seed" +
                      std::to_string(seed) + "/model.weights");
  };
  for (int i = 0; i < 3; ++i) CHECK(trained(i, "e1-n1024", 3));
  const auto lines_before = read_text_file(dir + "/super/rank_check.jsonl");
  auto again = test::run_hwnas(
      {"search", "--resume", dir + "/super", "--rank-check", "3", "--standalone", "--json"});
  REQUIRE(again.rc == 0);
  CHECK(json::parse(again.out) == rj);
  CHECK(read_text_file(dir + "/super/rank_check.jsonl") == lines_before);
  // A second seed on the first two archs trains only that seed; a shorter
  // schedule is trained apart and does not mix with the first.
  auto seeds = test::run_hwnas({"search", "--resume", dir + "/super", "--rank-check", "2",
                                "--standalone", "--seeds", "2", "--json"});
  REQUIRE(seeds.rc == 0);
  const json sj = json::parse(seeds.out);
  for (int i = 0; i < 2; ++i) {
    const auto runs = sj["archs"][i]["standalone_runs"].get<std::vector<double>>();
    REQUIRE(runs.size() == 2);
    CHECK(runs[0] == rj["archs"][i]["standalone"].get<double>());
    CHECK(sj["archs"][i]["standalone"].get<double>() == Approx((runs[0] + runs[1]) / 2));
    CHECK(sj["archs"][i]["inherited"] == rj["archs"][i]["inherited"]);
    CHECK(trained(i, "e1-n1024", 4));
  }
  CHECK_FALSE(trained(2, "e1-n1024", 4));
  auto shorter = test::run_hwnas({"search", "--resume", dir + "/super", "--rank-check", "2",
                                  "--standalone", "--epochs", "2", "--images", "256", "--json"});
  REQUIRE(shorter.rc == 0);
  CHECK(json::parse(shorter.out)["standalone_schedule"] == "2 epochs on 256 images, 1 seed");
  CHECK(trained(0, "e2-n256", 3));
  CHECK(trained(1, "e2-n256", 3));
  auto needs =
      test::run_hwnas({"search", "--resume", dir + "/super", "--rank-check", "2", "--epochs", "2"});
  CHECK(needs.rc == 2);
  CHECK_THAT(needs.err, Catch::Contains("--standalone"));

  // Refused before any work, naming fitness.run.
  auto refused = [&](const std::string& run) {
    return test::run_hwnas({"search", "--config",
                            config("strategy: {type: evolution, population: 4, evaluations: 8}\n"
                                   "fitness: {type: supernet, run: " +
                                   run + "}\n"),
                            "--out", dir + "/bad"},
                           dir);
  };
  auto missing = refused("nope");
  CHECK(missing.rc == 2);
  CHECK_THAT(missing.err, Catch::Contains("fitness.run") && Catch::Contains("not found"));
  auto not_super = test::run_hwnas({"search", "--resume", dir + "/evo", "--rank-check", "3"});
  CHECK(not_super.rc == 2);
  CHECK_THAT(not_super.err, Catch::Contains("is a evolution search"));
  auto evo = refused("evo");
  CHECK(evo.rc == 2);
  CHECK_THAT(evo.err, Catch::Contains("is a evolution search"));
  // The same supernet run seen by a config of another space.
  fs::create_directories(dir + "/other/checkpoints");
  fs::copy_file(dir + "/super/checkpoints/last.ckpt", dir + "/other/checkpoints/last.ckpt");
  write_file_atomic(dir + "/other/config.yaml",
                    "name: o\nspace: proxyless-fmnist\nstrategy: {type: proxyless}\n");
  auto space = refused("other");
  CHECK(space.rc == 2);
  CHECK_THAT(space.err, Catch::Contains("proxyless-fmnist") && Catch::Contains("differ"));
  fs::remove(dir + "/other/checkpoints/last.ckpt");
  fs::copy_file(dir + "/super/config.yaml", dir + "/other/config.yaml",
                fs::copy_options::overwrite_existing);
  auto ckpt = refused("other");
  CHECK(ckpt.rc == 2);
  CHECK_THAT(ckpt.err, Catch::Contains("no supernet checkpoint"));
  CHECK_FALSE(fs::exists(dir + "/bad"));
}
