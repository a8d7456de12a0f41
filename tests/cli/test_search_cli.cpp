// `hwnas search` as a user runs it: the run directory and --json keys of
// the contract, the retrained weights loaded by eval and export, a real
// SIGTERM and --resume ending where an uninterrupted search ends, and
// configs that must be refused before anything is written.
#include <signal.h>

#include <filesystem>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"
#include "hwnas/common/files.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
using test::run_hwnas;
namespace fs = std::filesystem;

namespace {

// A short search on synthetic 28x28 images over the quickstart's space and
// latency table.
std::string search_config(const std::string& dir, int epochs, const std::string& extra = "") {
  const std::string table = test::source_path("latency_models/proxyless-fmnist.cpu.json");
  write_file_atomic(
      dir + "/c.yaml",
      "name: s\nseed: 5\nthreads: 1\nspace: proxyless-fmnist\n"
      "data: {dataset: synthetic, train_limit: 320, val_fraction: 0.2, test_limit: 128}\n"
      "cost_models: {lat: {type: lut-calibrated, table: " +
          table +
          "}}\n"
          "constraints:\n  - {model: lat, metric: latency_ms, max: 5.0}\n"
          "  - {metric: params, max: 300000}\n"
          "strategy: {type: proxyless, mode: two, warmup_epochs: 1, arch_lr: 0.01}\n"
          "train: {epochs: " +
          std::to_string(epochs) +
          ", batch: 16, optimizer: {lr: 0.05}}\n"
          "retrain: {epochs: 1, batch: 32, optimizer: {lr: 0.05}}\n" +
          extra);
  return dir + "/c.yaml";
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(text.substr(start, nl - start));
  return out;
}

}  // namespace

TEST_CASE("search writes the run directory and the contract's keys", "[cli][search]") {
  auto dir = test::temp_dir("search-cli");
  auto cfg = search_config(dir, 2);
  auto r = run_hwnas({"search", "--config", cfg, "--out", dir + "/run", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  json j = json::parse(r.out);
  for (auto k : {"run_dir", "arch", "weights", "test_accuracy", "macs", "params", "costs"})
    CHECK(j.contains(k));
  CHECK(j["run_dir"] == dir + "/run");
  for (auto f : {"config.yaml", "events.jsonl", "arch_probs.jsonl", "best.arch.json",
                 "best.weights", "summary.md", "checkpoints/last.ckpt", "retrain/events.jsonl"})
    CHECK(fs::exists(dir + "/run/" + f));
  // The derived arch meets both bounds by the models they name.
  CHECK(j["costs"]["lat"]["latency_ms"].get<double>() <= 5.0);
  CHECK(j["params"].get<double>() <= 300000);
  CHECK(j["costs"]["ir"]["params"] == j["params"]);
  // One arch_probs line per search epoch, each distribution summing to 1.
  auto lines = read_text_file(dir + "/run/arch_probs.jsonl");
  CHECK(std::count(lines.begin(), lines.end(), '\n') == 2);
  json last = json::parse(lines.substr(lines.rfind('\n', lines.size() - 2) + 1));
  for (const auto& p : last["probs"]) {
    double sum = 0;
    for (double v : p) sum += v;
    CHECK(sum == Approx(1.0));
  }
  // Per-step events carry the losses, expected latency and entropies.
  bool saw_arch_event = false;
  for (const auto& line : split_lines(read_text_file(dir + "/run/events.jsonl"))) {
    json e = json::parse(line);
    if (e.contains("arch_loss")) {
      saw_arch_event = true;
      CHECK(e["expected_latency_ms"].get<double>() > 0);
      CHECK(e["entropy"].size() == 10);
    }
  }
  CHECK(saw_arch_event);
  // The retrained weights load in eval (same accuracy) and export.
  auto e = run_hwnas(
      {"eval", "--arch", j["arch"], "--weights", j["weights"], "--config", cfg, "--json"});
  INFO(e.err);
  REQUIRE(e.rc == 0);
  CHECK(json::parse(e.out)["test_accuracy"] == j["test_accuracy"]);
  auto x = run_hwnas({"export", "--arch", j["arch"], "--weights", j["weights"], "--out",
                      dir + "/m.onnx", "--json"});
  INFO(x.err);
  CHECK(x.rc == 0);
  // Searching into the same folder again is refused and changes nothing.
  auto before = read_text_file(dir + "/run/events.jsonl");
  auto again = run_hwnas({"search", "--config", cfg, "--out", dir + "/run"});
  CHECK(again.rc == 2);
  CHECK_THAT(again.err, Catch::Contains("already holds a run"));
  CHECK(read_text_file(dir + "/run/events.jsonl") == before);
}

TEST_CASE("an interrupted search resumes to the uninterrupted result", "[cli][search]") {
  auto dir = test::temp_dir("search-resume");
  auto cfg = search_config(dir, 5);
  auto whole = run_hwnas({"search", "--config", cfg, "--out", dir + "/whole", "--json"});
  INFO(whole.err);
  REQUIRE(whole.rc == 0);
  const std::string run = dir + "/cut";
  // SIGTERM once the first epoch has ended (its arch_probs line exists).
  CHECK(test::interrupt_hwnas({"search", "--config", cfg, "--out", run}, run + "/arch_probs.jsonl",
                              SIGTERM) == 130);
  CHECK(fs::exists(run + "/checkpoints/last.ckpt"));
  CHECK_FALSE(fs::exists(run + "/best.arch.json"));
  auto r = run_hwnas({"search", "--resume", run, "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  CHECK(read_text_file(run + "/arch_probs.jsonl") ==
        read_text_file(dir + "/whole/arch_probs.jsonl"));
  CHECK(read_text_file(run + "/best.arch.json") == read_text_file(dir + "/whole/best.arch.json"));
  json a = json::parse(whole.out), b = json::parse(r.out);
  CHECK(a["test_accuracy"] == b["test_accuracy"]);
  CHECK(a["genotype"] == b["genotype"]);
}

TEST_CASE("search refuses configs it cannot run before writing anything", "[cli][search][bad]") {
  auto dir = test::temp_dir("search-bad");
  // No validation split: nothing to learn the architecture on.
  {
    auto cfg = search_config(dir, 2);
    auto text = read_text_file(cfg);
    text.replace(text.find("val_fraction: 0.2"), 17, "val_fraction: 0");
    write_file_atomic(cfg, text);
    auto r = run_hwnas({"search", "--config", cfg, "--out", dir + "/run"});
    CHECK(r.rc == 2);
    CHECK_THAT(r.err, Catch::Contains("validation split (0 images)"));
    CHECK_FALSE(fs::exists(dir + "/run"));
  }
  // --resume of a folder that holds no run.
  fs::create_directories(dir + "/empty");
  auto r = run_hwnas({"search", "--resume", dir + "/empty"});
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains("config.yaml"));
  // Neither --config nor --resume.
  auto n = run_hwnas({"search"});
  CHECK(n.rc == 2);
  CHECK_THAT(n.err, Catch::Contains("--resume"));
}

TEST_CASE("weights: shared refuses a position it cannot slice from one block",
          "[cli][search][bad]") {
  auto dir = test::temp_dir("shared-weights");
  auto dry = [&](const std::string& space) {
    write_file_atomic(dir + "/c.yaml", "space: " + space +
                                           "\nstrategy: {type: fbnet, weights: shared}\n"
                                           "data: {dataset: synthetic}\n");
    return run_hwnas({"search", "--config", dir + "/c.yaml", "--dry-run", "--out", dir + "/run"});
  };
  auto ok = dry("proxyless-fmnist");  // kernels 3-7, expansions 3-6 and zero: one block each
  INFO(ok.err);
  CHECK(ok.rc == 0);
  auto bad = dry("fbnet");  // grouped 1x1 convolutions beside dense ones
  CHECK(bad.rc == 2);
  CHECK_THAT(bad.err, Catch::Contains("c.yaml:2:") && Catch::Contains("position 0") &&
                          Catch::Contains("k3_e1_g2") &&
                          Catch::Contains("grouped 1x1 convolutions"));
  CHECK_FALSE(fs::exists(dir + "/run"));
}

TEST_CASE("a dry run checks the data against the space without loading it", "[cli][search][bad]") {
  auto dir = test::temp_dir("dry-data");
  auto dry = [&](const std::string& text) {
    write_file_atomic(dir + "/c.yaml", text);
    return run_hwnas({"search", "--config", dir + "/c.yaml", "--dry-run", "--out", dir + "/run"});
  };
  // A data folder that does not exist: named with the config's place.
  auto r =
      dry("space: proxyless-fmnist\nstrategy: {type: proxyless}\ndata: {path: " + dir + "/nope}\n");
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains("c.yaml:3:") &&
                        Catch::Contains(dir + "/nope/train-images-idx3-ubyte.gz"));
  // Fashion-MNIST's 1x28x28 images under a 3x224x224 space.
  r = dry("space: fbnet\nstrategy: {type: proxyless}\n");
  CHECK(r.rc == 2);
  CHECK_THAT(r.err,
             Catch::Contains("fashion-mnist images are 1x28x28 but the network takes 3x224x224"));
  // Ten classes for a network of four outputs.
  write_file_atomic(dir + "/four.yaml", R"(name: four
input: [1, 28, 28]
num_classes: 4
candidates:
  a: {op: mbconv, k: 3, e: 2}
  z: {op: zero}
layers:
  - {op: conv, out: 8, k: 3, stride: 2}
  - {stage: {out: 8, depth: 2, stride: 1, choices: [a, z]}}
  - {op: gap}
  - {op: linear, out: 4}
)");
  r = dry("space: " + dir + "/four.yaml\nstrategy: {type: proxyless}\n");
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains("fashion-mnist has 10 classes but the network has 4 outputs"));
  // An image folder is listed, not decoded: its first image gives the size.
  fs::create_directories(dir + "/imgs/train/cat");
  fs::create_directories(dir + "/imgs/test/cat");
  r = dry("space: proxyless-fmnist\nstrategy: {type: proxyless}\ndata: {dataset: folder, path: " +
          dir + "/imgs}\n");
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains(dir + "/imgs/train/cat") && Catch::Contains("holds no images"));
  CHECK_FALSE(fs::exists(dir + "/run"));
}

TEST_CASE("paths in a config resolve against the working folder, then the config's folder",
          "[cli][search]") {
  auto dir = test::temp_dir("search-paths");
  fs::create_directories(dir + "/work");
  const std::string config = dir + "/c.yaml";
  write_file_atomic(
      config,
      "space: proxyless-fmnist\nstrategy: {type: proxyless}\n"
      "cost_models: {lat: {type: lut, table: latency_models/proxyless-fmnist.cpu.json}}\n");
  // From the checkout the table is found and recorded by its absolute path.
  auto ok = run_hwnas({"search", "--config", config, "--dry-run", "--json"});
  INFO(ok.err);
  REQUIRE(ok.rc == 0);
  const json j = json::parse(ok.out);
  CHECK(j["config"]["cost_models"]["lat"]["table"] ==
        fs::path(test::source_path("latency_models/proxyless-fmnist.cpu.json"))
            .lexically_normal()
            .string());
  CHECK(j["config"]["space"] == "proxyless-fmnist");  // a bare name stays a name
  CHECK(fs::path(j["space"]["file"].get<std::string>()).is_absolute());
  // From another folder the same relative path is an error naming the path
  // as written and both places tried, never the checkout hwnas was built from.
  auto away = run_hwnas({"search", "--config", config, "--dry-run"}, dir + "/work");
  CHECK(away.rc == 2);
  CHECK_THAT(away.err,
             Catch::Contains("'latency_models/proxyless-fmnist.cpu.json' was not found") &&
                 Catch::Contains(dir + "/work/latency_models/proxyless-fmnist.cpu.json") &&
                 Catch::Contains(dir + "/latency_models/proxyless-fmnist.cpu.json"));
  // Beside the config is the second place.
  fs::create_directories(dir + "/latency_models");
  fs::copy_file(test::source_path("latency_models/proxyless-fmnist.cpu.json"),
                dir + "/latency_models/proxyless-fmnist.cpu.json");
  auto beside = run_hwnas({"search", "--config", config, "--dry-run", "--json"}, dir + "/work");
  INFO(beside.err);
  REQUIRE(beside.rc == 0);
  CHECK(json::parse(beside.out)["config"]["cost_models"]["lat"]["table"] ==
        dir + "/latency_models/proxyless-fmnist.cpu.json");
}

TEST_CASE("a cost model that nothing in the search uses is a warning", "[cli][search]") {
  auto dir = test::temp_dir("search-unused-model");
  const std::string table = test::source_path("latency_models/proxyless-fmnist.cpu.json");
  auto warnings_of = [&](const std::string& strategy, const std::string& constraints) {
    write_file_atomic(dir + "/c.yaml", "space: proxyless-fmnist\nstrategy: " + strategy +
                                           "\ncost_models: {lat: {type: lut, table: " + table +
                                           "}, flat: {type: flops, gmacs_per_s: 1}}\n" +
                                           constraints);
    auto r = run_hwnas({"search", "--config", dir + "/c.yaml", "--dry-run", "--json"});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    return json::parse(r.out)["warnings"];
  };
  auto names = [](const json& warnings, const std::string& model) {
    for (const auto& w : warnings)
      if (w.get<std::string>().find("cost model '" + model + "' is priced but neither") !=
          std::string::npos)
        return true;
    return false;
  };
  // Two latency models, no constraint: the supernet's loss takes neither,
  // so the search would ignore the hardware.
  json w = warnings_of("{type: proxyless}", "");
  CHECK(names(w, "lat"));
  CHECK(names(w, "flat"));
  CHECK_THAT(w.dump(), Catch::Contains("or name it in strategy.loss.model"));
  // The loss on one, a constraint on the other: no warning.
  w = warnings_of("{type: proxyless, loss: {model: lat}}",
                  "constraints: [{model: flat, metric: latency_ms, max: 1000}]");
  CHECK_FALSE(names(w, "lat"));
  CHECK_FALSE(names(w, "flat"));
  // Random search optimises no cost model: only a constraint uses one.
  w = warnings_of("{type: random, samples: 2}",
                  "constraints: [{model: lat, metric: latency_ms, max: 1000}]");
  CHECK_FALSE(names(w, "lat"));
  CHECK(names(w, "flat"));
}

namespace {

// A random search of `samples` candidates, each trained one epoch on 256
// synthetic images, under the same bounds as search_config().
std::string random_config(const std::string& dir, int samples) {
  auto cfg = search_config(dir, 1);
  auto text = read_text_file(cfg);
  const std::string old = "strategy: {type: proxyless, mode: two, warmup_epochs: 1, arch_lr: 0.01}";
  text.replace(text.find(old), old.size(),
               "strategy: {type: random, samples: " + std::to_string(samples) +
                   "}\nfitness: {type: train, epochs: 1}");
  write_file_atomic(cfg, text);
  return cfg;
}

}  // namespace

TEST_CASE("random search scores constraint-meeting candidates and resumes from its cache",
          "[cli][search][random]") {
  auto dir = test::temp_dir("random-search");
  auto cfg = random_config(dir, 4);
  auto whole = run_hwnas({"search", "--config", cfg, "--out", dir + "/whole", "--json"});
  INFO(whole.err);
  REQUIRE(whole.rc == 0);
  json j = json::parse(whole.out);
  // Every candidate meets both bounds; the pick is the fittest.
  auto cands = test::read_jsonl(dir + "/whole/candidates.jsonl");
  REQUIRE(cands.size() == 4);
  double best = -1;
  json best_g;
  std::set<std::string> genotypes;
  for (const auto& c : cands) {
    CHECK(c["costs"]["lat.latency_ms"].get<double>() <= 5.0);
    CHECK(c["costs"]["ir.params"].get<double>() <= 300000);
    CHECK(c["fitness"].get<double>() >= 0);
    CHECK(c["seconds"].get<double>() > 0);
    genotypes.insert(c["genotype"].dump());
    if (c["fitness"].get<double>() > best) best = c["fitness"], best_g = c["genotype"];
  }
  CHECK(genotypes.size() == 4);
  CHECK(j["genotype"] == best_g);
  CHECK(j["search"]["candidates"] == 4);
  CHECK(j["costs"]["lat"]["latency_ms"].get<double>() <= 5.0);
  // No `retrain:` weights from a supernet: the child is trained from scratch.
  CHECK(j["retrained"] == true);
  CHECK(fs::exists(dir + "/whole/retrain/model.weights"));
  CHECK(fs::exists(dir + "/whole/checkpoints/strategy.json"));
  // Resuming a finished run scores nothing again and reports the same result,
  // the strategy's summary included.
  const auto events_before = read_text_file(dir + "/whole/candidates.jsonl");
  auto again = run_hwnas({"search", "--resume", dir + "/whole", "--json"});
  INFO(again.err);
  REQUIRE(again.rc == 0);
  json ja = json::parse(again.out);
  CHECK(ja["search"] == j["search"]);
  CHECK(ja["genotype"] == j["genotype"]);
  CHECK(ja["test_accuracy"] == j["test_accuracy"]);
  CHECK(read_text_file(dir + "/whole/candidates.jsonl") == events_before);

  // SIGINT once the first candidate is recorded, then --resume: no candidate
  // scored twice, and the same candidates, scores and pick as the whole run.
  const std::string run = dir + "/cut";
  CHECK(test::interrupt_hwnas({"search", "--config", cfg, "--out", run}, run + "/candidates.jsonl",
                              SIGINT) == 130);
  const auto before = test::read_jsonl(run + "/candidates.jsonl");
  REQUIRE(!before.empty());
  REQUIRE(before.size() < 4);
  auto r = run_hwnas({"search", "--resume", run, "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  const auto after = test::read_jsonl(run + "/candidates.jsonl");
  REQUIRE(after.size() == 4);
  for (std::size_t i = 0; i < before.size(); ++i) CHECK(after[i] == before[i]);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(after[i]["genotype"] == cands[i]["genotype"]);
    CHECK(after[i]["fitness"] == cands[i]["fitness"]);
  }
  CHECK(json::parse(r.out)["genotype"] == j["genotype"]);
  CHECK(json::parse(r.out)["test_accuracy"] == j["test_accuracy"]);
}

TEST_CASE("search --list-strategies lists every strategy with its options", "[cli][search]") {
  auto r = run_hwnas({"search", "--list-strategies", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  json j = json::parse(r.out);
  std::map<std::string, json> by_type;
  for (const auto& s : j["strategies"]) by_type[s["type"]] = s;
  for (auto t : {"proxyless", "fbnet", "random", "evolution", "growth", "coexplore"}) {
    INFO(t);
    REQUIRE(by_type.count(t));
    CHECK_FALSE(by_type[t]["description"].get<std::string>().empty());
    CHECK(by_type[t]["options"]["type"] == t);
  }
  CHECK(by_type["proxyless"]["options"]["mode"] == "two");
  CHECK(by_type["fbnet"]["options"]["mode"] == "soft");
  CHECK(by_type["random"]["options"]["samples"] == 20);
  std::set<std::string> fitness;
  for (const auto& f : j["fitness"]) fitness.insert(f["type"].get<std::string>());
  CHECK(fitness == std::set<std::string>{"proxy", "supernet", "table", "train"});
  auto text = run_hwnas({"search", "--list-strategies"});
  CHECK(text.rc == 0);
  CHECK_THAT(text.out, Catch::Contains("random") && Catch::Contains("samples: 20"));
}

TEST_CASE("bench supernet reports every mode and refuses bad genotypes", "[cli][bench]") {
  for (auto mode : {"weight", "arch", "child"}) {
    INFO(mode);
    auto r =
        run_hwnas({"bench", "supernet", "--space", "proxyless-fmnist", "--mode", mode, "--batch",
                   "8", "--threads", "1", "--steps", "2", "--warmup", "1", "--json"});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    json j = json::parse(r.out);
    CHECK(j["mode"] == mode);
    CHECK(j["ms_per_step"].get<double>() > 0);
    CHECK(j["images_per_s"].get<double>() > 0);
    CHECK(j["peak_rss_mib"].get<double>() >= j["model_rss_mib"].get<double>());
  }
  auto bad = run_hwnas({"bench", "supernet", "--space", "proxyless-fmnist", "--mode", "child",
                        "--genotype", "0,1,9"});
  CHECK(bad.rc == 2);
  CHECK_THAT(bad.err, Catch::Contains("has 10 positions"));
}
