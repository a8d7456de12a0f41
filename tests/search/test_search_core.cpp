// The torch-free search core: every registered strategy's and fitness
// provider's options round-trip (defaults -> YAML -> options -> the same
// JSON), and Pricing rejects exactly the genotypes that miss a constraint.
#include <random>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/search/fitness_options.h"
#include "hwnas/search/pricing.h"
#include "hwnas/search/strategy_options.h"
#include "hwnas/setup/run_setup.h"

using namespace hwnas;

namespace {

template <class Registry>
void check_round_trip(const Registry& registry) {
  for (const auto& info : registry.list()) {
    INFO(info.type);
    CHECK_FALSE(info.description.empty());
    CHECK(info.defaults["type"] == info.type);
    // What a run directory's config.yaml keeps reads back to the same options.
    const Document doc = parse_yaml(to_yaml(info.defaults), "resolved.yaml");
    auto again = registry.read(Value(doc, doc.root, "", ""));
    CHECK(again->type == info.type);
    CHECK(again->to_json() == info.defaults);
  }
}

}  // namespace

TEST_CASE("every registered strategy and fitness provider round-trips its options",
          "[search][options]") {
  REQUIRE(builtin_strategy_options().types() == std::vector<std::string>{"coexplore", "evolution",
                                                                         "fbnet", "growth",
                                                                         "proxyless", "random"});
  check_round_trip(builtin_strategy_options());
  check_round_trip(builtin_fitness_options());
}

TEST_CASE("Pricing::violated agrees with whole-network costs", "[search][pricing]") {
  CostModelRegistry reg;
  register_builtin_cost_models(reg);
  const std::string table = test::source_path("latency_models/proxyless-fmnist.cpu.json");
  auto config = read_run_config(std::make_shared<const Document>(
      parse_yaml("space: proxyless-fmnist\nstrategy: {type: random, samples: 3}\n"
                 "cost_models: {lat: {type: lut-calibrated, table: " +
                     table +
                     "}}\n"
                     "constraints:\n  - {model: lat, metric: latency_ms, max: 9.0}\n"
                     "  - {metric: params, max: 500000}\n",
                 "c.yaml")));
  RunSetup s = prepare_run(std::move(config), reg);
  const Pricing pricing = s.pricing();
  Rng rng(7);
  int rejected = 0, accepted = 0;
  for (int i = 0; i < 300; ++i) {
    const Genotype g = sample(s.space, rng);
    const Arch arch = decode(s.space, g);
    const double lat = s.models.at("lat").model->network(arch).latency_ms();
    const double params = s.models.at("ir").model->network(arch).params();
    const Constraint* c = pricing.violated(g);
    const bool meets = lat <= 9.0 && params <= 500000;
    CHECK((c == nullptr) == meets);
    if (c && lat > 9.0) CHECK(c->model == "lat");  // the first constraint missed, in config order
    (c ? rejected : accepted)++;
  }
  CHECK(rejected > 0);
  CHECK(accepted > 0);
  // The flat costs name each model's metric.
  const json flat = pricing.flat_costs(decode(s.space, Genotype(10, 0)));
  CHECK(flat.contains("lat.latency_ms"));
  CHECK(flat.contains("ir.params"));
}
