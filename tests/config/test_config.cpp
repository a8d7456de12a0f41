#include <algorithm>
#include <filesystem>
#include <thread>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/accel/accel_model.h"
#include "hwnas/common/error.h"
#include "hwnas/search/supernet_options.h"
#include "hwnas/setup/run_setup.h"

using namespace hwnas;
namespace fs = std::filesystem;

namespace {
RunConfig from_text(const std::string& text, const std::string& file = "c.yaml") {
  return read_run_config(std::make_shared<const Document>(parse_yaml(text, file)));
}
CostModelRegistry builtin() {
  CostModelRegistry r;
  register_builtin_cost_models(r);
  accel::register_accel_cost_models(r);
  return r;
}
}  // namespace

TEST_CASE("the quickstart config reads as written", "[config]") {
  RunConfig c = load_run_config(test::source_path("configs/quickstart.yaml"));
  CHECK(c.name == "quickstart");
  CHECK(c.threads == 2);
  CHECK(c.space == "proxyless-fmnist");
  CHECK(c.data.dataset == "fashion-mnist");
  CHECK(c.data.train_limit == 10000);
  CHECK(c.cost_models.size() == 1);
  CHECK(c.cost_models[0].type == "lut-calibrated");
  REQUIRE(c.constraints.size() == 2);
  CHECK(c.constraints[0].model == "lat");
  CHECK(c.constraints[0].metric == Metric::LatencyMs);
  CHECK(*c.constraints[0].max == 6.0);
  CHECK(c.constraints[1].model.empty());
  CHECK(c.strategy.type == "proxyless");
  CHECK(c.train.epochs == 5);
  CHECK(c.data.retrain_limit == 30000);
  REQUIRE(c.retrain);
  CHECK(c.retrain->label_smoothing == 0.1);
}

TEST_CASE("config -> YAML -> config round-trips", "[config]") {
  for (auto& e : fs::directory_iterator(test::source_path("configs"))) {
    if (e.path().extension() != ".yaml") continue;
    INFO(e.path());
    RunConfig a = load_run_config(e.path().string());
    RunConfig b = from_text(to_yaml(a.to_json()), e.path().filename().string());
    CHECK(a.to_json() == b.to_json());
  }
}

TEST_CASE("defaults fill what a minimal config leaves out", "[config]") {
  RunConfig c = from_text("space: proxyless-fmnist\nstrategy: {type: proxyless}\n", "mini.yaml");
  CHECK(c.name == "mini");
  CHECK(c.seed == 0);
  CHECK(c.threads == int(std::max(1u, std::thread::hardware_concurrency())));
  CHECK(c.out == "runs");
  CHECK(c.data.dataset == "fashion-mnist");
  CHECK(c.data.val_fraction == 0.2);
  CHECK(c.train.batch == 64);
  CHECK(c.train.optimizer.type == "sgd");
  CHECK(!c.retrain);
  RunSetup s = prepare_run(std::move(c), builtin());
  CHECK(s.strategy_as<SupernetOptions>().mode == "two");
  CHECK(s.strategy_as<SupernetOptions>().loss.model.empty());  // no latency model configured
  CHECK(s.models.count("ir") == 1);
}

TEST_CASE("every shipped search config sets up and the loss binds to the latency constraint model",
          "[config]") {
  // Their paths are relative to the checkout, where the README runs them.
  const test::InFolder here(test::source_path(""));
  for (auto& e : fs::directory_iterator(test::source_path("configs"))) {
    if (e.path().extension() != ".yaml") continue;
    INFO(e.path());
    RunConfig c = load_run_config(e.path().string());
    if (!c.strategy.node) continue;  // a training config (no search)
    // A model timed by torch (`measured`) is not in this torch-free binary;
    // tests/search/test_growth.cpp sets such configs up with it.
    const auto types = builtin().types();
    if (std::any_of(c.cost_models.begin(), c.cost_models.end(), [&](const ComponentSpec& m) {
          return std::find(types.begin(), types.end(), m.type) == types.end();
        }))
      continue;
    RunSetup s = prepare_run(std::move(c), builtin());
    CHECK(s.space.positions.size() > 0);
  }
  RunSetup q =
      prepare_run(load_run_config(test::source_path("configs/quickstart.yaml")), builtin());
  CHECK(q.strategy_as<SupernetOptions>().loss.model == "lat");
  const CostTable& t = *q.models.at("lat").table;
  CHECK(t.min_cost().latency_ms() < 6.0);
  CHECK(t.max_cost().latency_ms() > 6.0);
}

TEST_CASE("setup errors name the config's place", "[config]") {
  auto base = std::string("space: proxyless-fmnist\nstrategy: {type: proxyless}\n");
  CHECK_THROWS_WITH(
      prepare_run(from_text(base + "constraints:\n  - {metric: macs, max: 1000}\n"), builtin()),
      "c.yaml:4:5: constraints[0]: no architecture of space proxyless-fmnist meets macs <= 1000: "
      "the "
      "smallest macs it can have is 5991536");
  CHECK_THROWS_WITH(
      prepare_run(from_text(base + "constraints:\n  - {metric: params, min: 1e9}\n"), builtin()),
      Catch::Contains("the largest params it can have is"));
  CHECK_THROWS_WITH(
      prepare_run(from_text("space: nowhere/space.yaml\nstrategy: {type: proxyless}\n"), builtin()),
      Catch::StartsWith("c.yaml:1:8: space: ") &&
          Catch::Contains("'nowhere/space.yaml' was not found (") &&
          Catch::Contains("/nowhere/space.yaml does not exist)"));
  CHECK_THROWS_WITH(
      prepare_run(from_text(base + "cost_models: {lat: {type: flops, gmacs_per_s: 1}}\n"
                                   "constraints: [{model: lat, metric: area_mm2, max: 1}]\n"),
                  builtin()),
      Catch::Contains("cost model 'lat' (flops) does not give area_mm2; it gives latency_ms"));
}

TEST_CASE("a space path in a config may be relative to the config's folder", "[config]") {
  auto dir = test::temp_dir("cfgspace");
  fs::create_directories(dir + "/spaces");
  fs::copy_file(test::source_path("search_spaces/proxyless-fmnist.yaml"),
                dir + "/spaces/proxyless-fmnist.yaml");
  RunConfig c = from_text("space: spaces/proxyless-fmnist.yaml\nstrategy: {type: proxyless}\n",
                          dir + "/c.yaml");
  CHECK(resolve_config_space(c) == dir + "/spaces/proxyless-fmnist.yaml");
  CHECK(prepare_run(std::move(c), builtin()).space.name == "proxyless-fmnist");
}
