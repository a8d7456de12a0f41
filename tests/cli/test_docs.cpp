// The docs are the user's reference: every key hwnas reads from a run config
// must be in docs/config.md, checked against what the reader resolves.
#include <cctype>
#include <filesystem>
#include <set>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"
#include "hwnas/common/files.h"

using namespace hwnas;
using test::run_hwnas;

namespace {

// Every key of `j`, at any depth; the names directly under a key in
// `named` (`cost_models`, a space's `candidates`) are the user's, so only
// the keys inside them count.
void collect_keys(const json& j, std::set<std::string>& keys, const std::set<std::string>& named,
                  bool user_names = false) {
  if (j.is_array()) {
    for (const auto& v : j) collect_keys(v, keys, named);
  } else if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (!user_names) keys.insert(k);
      collect_keys(v, keys, named, !user_names && named.count(k));
    }
  }
}

}  // namespace

TEST_CASE("every config key the reader resolves is documented in docs/config.md", "[cli][docs]") {
  const std::string doc = read_text_file(test::source_path("docs/config.md"));
  std::set<std::string> keys;
  // A resolved supernet config, and a random search with a fitness provider,
  // a step schedule, a data path and the cost model types that time nothing
  // (`measured`, which would time every sampled network, is documented by hand).
  auto dir = test::temp_dir("docs-keys");
  write_file_atomic(dir + "/r.yaml", R"(space: proxyless-fmnist
data: {dataset: fashion-mnist, path: /usr/share/datasets/fashion-mnist, retrain_limit: 10}
cost_models:
  f: {type: flops, gmacs_per_s: 1, overhead_ms: 0.1}
  a: {type: accelerator, accel: configs/accel/eyeriss.yaml, set: [pes=128]}
  c: {type: lut-calibrated, table: latency_models/proxyless-fmnist.cpu.json,
      calibration: latency_models/proxyless-fmnist.cpu.calib.json}
constraints:
  - {model: f, metric: latency_ms, min: 0.1, max: 1000}
  - {model: a, metric: energy_mj, max: 1000}
  - {model: c, metric: latency_ms, max: 1000}
strategy: {type: random, samples: 2}
fitness: {type: train, epochs: 1, images: 100}
train: {schedule: {type: step, milestones: [1], gamma: 0.5}, optimizer: {type: adam}}
retrain: {label_smoothing: 0.1}
)");
  for (const auto& config : {test::source_path("configs/quickstart.yaml"), dir + "/r.yaml"}) {
    auto r = run_hwnas({"search", "--config", config, "--dry-run", "--json"});
    INFO(config << "\n" << r.err);
    REQUIRE(r.rc == 0);
    collect_keys(json::parse(r.out)["config"], keys, {"cost_models"});
  }
  // Every strategy's and fitness provider's options with their defaults.
  auto list = run_hwnas({"search", "--list-strategies", "--json"});
  REQUIRE(list.rc == 0);
  const json j = json::parse(list.out);
  for (const char* kind : {"strategies", "fitness"})
    for (const auto& s : j[kind]) collect_keys(s["options"], keys, {"cost_models"});
  REQUIRE(keys.size() > 40);
  for (const auto& k : keys) {
    INFO("key: " << k);
    CHECK(doc.find("`" + k + "`") != std::string::npos);
  }
}

namespace {

// The words inside the code spans and blocks of a Markdown text (`{stage:
// {out, depth}}` documents `stage`, `out` and `depth`).
std::set<std::string> code_words(const std::string& md) {
  std::set<std::string> words;
  std::size_t start = 0;
  bool code = false;
  for (std::size_t i = 0; i <= md.size(); ++i) {
    if (i < md.size() && md[i] != '`') continue;
    if (code) {
      std::string w;
      for (std::size_t k = start; k <= i; ++k) {
        const char ch = k < i ? md[k] : ' ';
        if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') {
          w += ch;
        } else if (!w.empty()) {
          words.insert(w);
          w.clear();
        }
      }
    }
    code = !code;
    start = i + 1;
  }
  return words;
}

const std::set<std::string> kSpaceNames = {"candidates", "cells"};  // user-named entries

}  // namespace

TEST_CASE("every key of the shipped archs and spaces is documented in docs/architecture.md",
          "[cli][docs]") {
  const std::set<std::string> documented =
      code_words(read_text_file(test::source_path("docs/architecture.md")));
  std::set<std::string> arch_keys, space_keys;
  // Archs as hwnas writes them (every default spelled out by `space --genotype`
  // and the shipped and test archs, which use every op).
  for (const char* folder : {"configs/archs", "tests/data/archs"})
    for (const auto& e : std::filesystem::directory_iterator(test::source_path(folder)))
      if (e.path().extension() == ".json")
        collect_keys(json::parse(read_text_file(e.path().string())), arch_keys, kSpaceNames);
  for (const auto& e : std::filesystem::directory_iterator(test::source_path("search_spaces"))) {
    const Document d = load_document(e.path().string());
    collect_keys(d.root, space_keys, kSpaceNames);
  }
  REQUIRE(arch_keys.size() > 20);
  REQUIRE(space_keys.size() > 15);
  for (const auto* keys : {&arch_keys, &space_keys})
    for (const auto& k : *keys) {
      INFO("key: " << k);
      CHECK(documented.count(k) == 1);
    }
}
