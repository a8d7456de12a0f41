#include <catch2/catch.hpp>

#include "hwnas/cost/cost_table.h"
#include "hwnas/profile/measured_model.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;

TEST_CASE("the measured model times networks once and caches them", "[profile]") {
  torch::set_num_threads(1);
  ProtocolOptions o;
  o.rounds = 2, o.reps = 3, o.extra_rounds = 0;
  MeasuredModel m(o);
  Space s = load_space("proxyless-fmnist");
  Rng rng(1);
  Arch a = decode(s, sample(s, rng));
  double t1 = m.network(a).latency_ms();
  CHECK(t1 > 0);
  CHECK(m.cached() == 1);
  Arch renamed = a;
  renamed.name = "other-name";  // provenance does not change latency
  CHECK(m.network(renamed).latency_ms() == t1);
  CHECK(m.cached() == 1);
  Layer zero = Layer::make(Op::Zero);
  CHECK(m.layer({zero, {24, 14, 14}, {24, 14, 14}, 1}).latency_ms() == 0);
  const Position& p = s.positions[0];
  const auto& u = p.uses.front();
  CHECK(m.layer({u.layers[0], u.in, u.out, 1}).latency_ms() > 0);
  CHECK(m.additive().none());
  CostTable t(s, m);  // nothing additive: no per-position measurement at all
  CHECK(std::isnan(t.cost(a.genotype).latency_ms()));
  CHECK(m.cached() == 2);
}
