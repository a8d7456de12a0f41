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

std::vector<json> jsonl(const std::string& path) {
  std::vector<json> out;
  for (const auto& line : split_lines(read_text_file(path))) out.push_back(json::parse(line));
  return out;
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
  auto cands = jsonl(dir + "/whole/candidates.jsonl");
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
  const auto before = jsonl(run + "/candidates.jsonl");
  REQUIRE(!before.empty());
  REQUIRE(before.size() < 4);
  auto r = run_hwnas({"search", "--resume", run, "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  const auto after = jsonl(run + "/candidates.jsonl");
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
  for (auto t : {"proxyless", "fbnet", "random", "evolution"}) {
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
  CHECK(fitness == std::set<std::string>{"table", "train"});
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

namespace {
// A space of 81 archs (four positions of three MBConv candidates) with a
// table of all of them, fitness = the sum of the choices plus a little
// noise, and a flops cost model for a second objective.
const char* kEvoSpace = R"(name: evo4
input: [1, 28, 28]
num_classes: 10
candidates:
  a: {op: mbconv, k: 3, e: 1}
  b: {op: mbconv, k: 3, e: 3}
  c: {op: mbconv, k: 5, e: 6}
layers:
  - {op: conv, out: 8, k: 3, stride: 2}
  - {stage: {out: 8, depth: 2, stride: 1, choices: [a, b, c]}}
  - {stage: {out: 16, depth: 2, stride: 2, choices: [a, b, c]}}
  - {op: gap}
  - {op: linear, out: 10}
)";

std::string evolution_config(const std::string& dir, const std::string& strategy) {
  write_file_atomic(dir + "/evo4.yaml", kEvoSpace);
  const Space space = load_space(dir + "/evo4.yaml");
  std::string csv = "genotype,acc\n";
  enumerate(space, [&](const Genotype& g) {
    double sum = 0;
    for (int c : g) sum += c;
    csv += "\"" + format_genotype(g) + "\"," + std::to_string(sum + 0.01 * g[3]) + "\n";
    return true;
  });
  write_file_atomic(dir + "/acc.csv", csv);
  write_file_atomic(dir + "/c.yaml",
                    "name: e\nseed: 5\nthreads: 1\nspace: evo4.yaml\n"
                    "data: {dataset: synthetic, train_limit: 256, test_limit: 64}\n"
                    "cost_models: {f: {type: flops, gmacs_per_s: 1, overhead_ms: 0.1}}\n"
                    "constraints:\n  - {metric: params, max: 30000}\n" +
                        strategy +
                        "\nfitness: {type: table, file: acc.csv, column: acc}\n"
                        "train: {batch: 16}\n"
                        "retrain: {epochs: 1, batch: 32, optimizer: {lr: 0.05}}\n");
  return dir + "/c.yaml";
}
}  // namespace

TEST_CASE("evolution searches a table-scored space with early exit and two objectives",
          "[cli][search][evolution]") {
  auto dir = test::temp_dir("evolution");
  auto cfg = evolution_config(
      dir,
      "strategy: {type: evolution, selection: nsga2, population: 6, evaluations: 24,\n"
      "  objectives: [{metric: fitness}, {model: f, metric: latency_ms}],\n"
      "  early_exit: [{metric: params, max: 12000}]}");
  auto r = run_hwnas({"search", "--config", cfg, "--out", dir + "/run", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  const json j = json::parse(r.out);
  const auto cands = jsonl(dir + "/run/candidates.jsonl");
  REQUIRE(cands.size() == 24);
  std::set<std::string> genotypes;
  double best = -1;
  json best_g;
  for (const auto& c : cands) {
    genotypes.insert(c["genotype"].dump());
    CHECK(c["costs"]["ir.params"].get<double>() <= 30000);  // the constraint binds
    if (c["parents"].empty()) CHECK(c["costs"]["ir.params"].get<double>() <= 12000);  // early exit
    double sum = 0;
    for (const auto& x : c["genotype"]) sum += x.get<int>();
    CHECK(c["fitness"].get<double>() ==
          Approx(sum + 0.01 * c["genotype"][3].get<int>()));  // looked up in the table
    if (c["fitness"].get<double>() > best) best = c["fitness"], best_g = c["genotype"];
  }
  CHECK(genotypes.size() == 24);  // nothing scored twice
  CHECK(j["genotype"] == best_g);
  CHECK(j["search"]["candidates"] == 24);
  // One front per generation, its hypervolume never falling (elitist survival).
  const auto fronts = jsonl(dir + "/run/pareto.jsonl");
  REQUIRE(fronts.size() == 4);
  for (std::size_t g = 0; g < fronts.size(); ++g) {
    CHECK(fronts[g]["generation"] == int(g));
    if (g > 0)
      CHECK(fronts[g]["hypervolume"].get<double>() >=
            fronts[g - 1]["hypervolume"].get<double>() - 1e-12);
  }
  const json pareto = json::parse(read_text_file(dir + "/run/pareto.json"));
  REQUIRE_FALSE(pareto["front"].empty());
  for (const auto& m : pareto["front"]) CHECK(m["arch"]["format"] == "hwnas.arch/1");
  CHECK(pareto["objectives"][1]["objective"] == "f.latency_ms");

  // Resuming a finished run scores nothing again.
  const auto before = read_text_file(dir + "/run/candidates.jsonl");
  auto again = run_hwnas({"search", "--resume", dir + "/run", "--json"});
  INFO(again.err);
  REQUIRE(again.rc == 0);
  CHECK(json::parse(again.out)["genotype"] == j["genotype"]);
  CHECK(read_text_file(dir + "/run/candidates.jsonl") == before);
  CHECK(jsonl(dir + "/run/pareto.jsonl").size() == 4);

  // Refused before any work: exit 2 naming the place.
  auto refused = [&](const std::string& strategy, const std::string& fitness_file = "acc.csv") {
    auto bad = evolution_config(dir, strategy);
    auto text = read_text_file(bad);
    text.replace(text.find("file: acc.csv"), 13, "file: " + fitness_file);
    write_file_atomic(bad, text);
    return run_hwnas({"search", "--config", bad, "--out", dir + "/bad"});
  };
  auto t =
      refused("strategy: {type: evolution, evaluations: 10, population: 4, tournament_size: 5}");
  CHECK(t.rc == 2);
  CHECK_THAT(t.err, Catch::Contains("tournament_size") && Catch::Contains("population (4)"));
  auto m = refused(
      "strategy: {type: evolution, evaluations: 10, objectives: [{metric: fitness}, {model: nope, "
      "metric: latency_ms}]}");
  CHECK(m.rc == 2);
  CHECK_THAT(m.err, Catch::Contains("objectives") && Catch::Contains("no cost model named 'nope'"));
  auto e = refused(
      "strategy: {type: evolution, evaluations: 10, early_exit: [{metric: params, max: 10}]}");
  CHECK(e.rc == 2);
  CHECK_THAT(e.err, Catch::Contains("early_exit") && Catch::Contains("refuses every network"));
  auto p = refused("strategy: {type: evolution, evaluations: 10, crossover_prob: 1.5}");
  CHECK(p.rc == 2);
  CHECK_THAT(p.err, Catch::Contains("crossover_prob"));
  write_file_atomic(dir + "/other.csv", "genotype,acc\n\"1,2\",5\n");
  auto o = refused("strategy: {type: evolution, evaluations: 10}", "other.csv");
  CHECK(o.rc == 2);
  CHECK_THAT(o.err, Catch::Contains("other.csv:2") && Catch::Contains("evo4"));
  CHECK_FALSE(fs::exists(dir + "/bad"));
}

TEST_CASE("evolution picks by a rule and measures hypervolume against a given reference",
          "[cli][search][evolution]") {
  auto dir = test::temp_dir("evolution-pick");
  auto cfg = evolution_config(dir,
                              "strategy: {type: evolution, population: 6, evaluations: 24,\n"
                              "  objectives: [{metric: fitness}, {model: f, metric: latency_ms}],\n"
                              "  hypervolume_reference: [0, 100],\n"
                              "  pick: {by: f.latency_ms, fitness_within: 2}}");
  auto r = run_hwnas({"search", "--config", cfg, "--out", dir + "/run", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  const json pareto = json::parse(read_text_file(dir + "/run/pareto.json"));
  CHECK(pareto["hypervolume_measure"]["reference"]["f.latency_ms"] == 100.0);
  // The fastest member within 2 of the front's best fitness is the one retrained.
  double best = -1;
  for (const auto& m : pareto["front"]) best = std::max(best, m["fitness"].get<double>());
  json want;
  double fastest = 1e9;
  for (const auto& m : pareto["front"])
    if (m["fitness"].get<double>() >= best - 2 && m["objectives"][1].get<double>() < fastest)
      fastest = m["objectives"][1], want = m;
  REQUIRE_FALSE(want.is_null());
  CHECK(json::parse(r.out)["genotype"] == want["genotype"]);
  CHECK(pareto["picked"] == want["index"]);
  // 2-D hypervolume by hand: reference (fitness 0, 100 ms); the front sorted by
  // latency has rising fitness, each member owning the strip up to the next.
  std::vector<std::pair<double, double>> pts;  // (ms, fitness)
  for (const auto& m : pareto["front"])
    pts.emplace_back(m["objectives"][1].get<double>(), m["fitness"].get<double>());
  std::sort(pts.begin(), pts.end());
  double hv = 0;
  for (std::size_t i = 0; i < pts.size(); ++i)
    hv += pts[i].second * ((i + 1 < pts.size() ? pts[i + 1].first : 100.0) - pts[i].first);
  CHECK(pareto["hypervolume"].get<double>() == Approx(hv));
  const auto fronts = jsonl(dir + "/run/pareto.jsonl");
  CHECK(fronts.back()["hypervolume"].get<double>() == Approx(hv));
  CHECK(fronts.front()["hypervolume_ratio"].get<double>() == Approx(1.0));
  CHECK(fs::file_size(dir + "/run/pareto.png") > 1000);  // gnuplot drew the fronts

  auto refused = [&](const std::string& strategy) {
    return run_hwnas(
        {"search", "--config", evolution_config(dir, strategy), "--out", dir + "/bad"});
  };
  auto by = refused("strategy: {type: evolution, evaluations: 10, pick: {by: f.latency}}");
  CHECK(by.rc == 2);
  CHECK_THAT(by.err, Catch::Contains("pick.by") && Catch::Contains("not an objective") &&
                         Catch::Contains("fitness"));
  auto ref = refused("strategy: {type: evolution, evaluations: 10, hypervolume_reference: [0, 1]}");
  CHECK(ref.rc == 2);
  CHECK_THAT(ref.err, Catch::Contains("hypervolume_reference") &&
                          Catch::Contains("one per objective (1: fitness)"));
  CHECK_FALSE(fs::exists(dir + "/bad"));
}

TEST_CASE("a table cost model prices whole networks from measurements, unmeasured ones left out",
          "[cli][search][evolution]") {
  auto dir = test::temp_dir("evolution-table-cost");
  auto cfg = evolution_config(
      dir,
      "strategy: {type: evolution, selection: aging, population: 6, tournament_size: 3, "
      "evaluations: 20,\n  objectives: [{metric: fitness}, {model: t, metric: latency_ms}]}");
  // Latency "measured" elsewhere for every arch whose first choice is not 2.
  const Space space = load_space(dir + "/evo4.yaml");
  std::string csv = "genotype,ms\n";
  enumerate(space, [&](const Genotype& g) {
    if (g[0] != 2)
      csv += "\"" + format_genotype(g) + "\"," + std::to_string(1 + g[1] + 0.5 * g[2]) + "\n";
    return true;
  });
  write_file_atomic(dir + "/lat.csv", csv);
  auto text = read_text_file(cfg);
  const std::string old = "cost_models: {f: {type: flops, gmacs_per_s: 1, overhead_ms: 0.1}}";
  text.replace(text.find(old), old.size(),
               "cost_models: {t: {type: table, file: lat.csv, column: ms, missing: infinite}}");
  text.replace(text.find("constraints:\n"), 13,
               "constraints:\n  - {model: t, metric: latency_ms, max: 3.5}\n");
  write_file_atomic(cfg, text);
  auto r = run_hwnas({"search", "--config", cfg, "--out", dir + "/run", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  const auto cands = jsonl(dir + "/run/candidates.jsonl");
  REQUIRE(cands.size() == 20);
  for (const auto& c : cands) {
    CHECK(c["genotype"][0] != 2);  // unmeasured: outside the search
    const auto& g = c["genotype"];
    CHECK(c["costs"]["t.latency_ms"].get<double>() ==
          Approx(1 + g[1].get<int>() + 0.5 * g[2].get<int>()));
    CHECK(c["costs"]["t.latency_ms"].get<double>() <= 3.5);
  }
  // The resolved config records the table by its absolute path.
  CHECK_THAT(read_text_file(dir + "/run/config.yaml"), Catch::Contains(dir + "/lat.csv"));
  // Without `missing: infinite`, an unmeasured arch is an error naming the table.
  text.replace(text.find(", missing: infinite"), 19, "");
  write_file_atomic(cfg, text);
  auto strict = run_hwnas({"search", "--config", cfg, "--out", dir + "/strict"});
  CHECK(strict.rc == 2);
  CHECK_THAT(strict.err, Catch::Contains("lat.csv") && Catch::Contains("has no ms for genotype"));
}
