#include <set>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;

namespace {
std::uint64_t ipow(std::uint64_t b, int e) {
  std::uint64_t r = 1;
  while (e--) r *= b;
  return r;
}
const char* kTiny = R"(name: tiny
input: [1, 8, 8]
num_classes: 3
candidates:
  a: {op: mbconv, k: 3, e: 2}
  b: {op: mbconv, k: 5, e: 1}
  z: {op: zero}
layers:
  - {op: conv, out: 4, k: 3}
  - {stage: {out: 8, depth: 2, stride: 2, choices: [a, b, z]}}
  - {op: gap}
  - {op: linear, out: 3}
)";
Space tiny() {
  return read_space(parse_yaml(kTiny, "tiny.yaml"));
}
}  // namespace

TEST_CASE("shipped spaces have the published sizes", "[space]") {
  Space pm = load_space("proxyless-mobile");
  CHECK(pm.positions.size() == 21);
  CHECK(space_size(pm) == std::to_string(ipow(6, 6) * ipow(7, 15)));
  int six = 0;
  for (const auto& p : pm.positions) six += p.choices.size() == 6;
  CHECK(six == 6);  // the first layer of each stage cannot be zero
  CHECK(space_size_log10(pm) == Approx(6 * std::log10(6.0) + 15 * std::log10(7.0)));

  Space fm = load_space("proxyless-fmnist");
  CHECK(fm.positions.size() == 10);
  CHECK(space_size(fm) == std::to_string(ipow(6, 4) * ipow(7, 6)));

  Space fb = load_space("fbnet");
  CHECK(fb.positions.size() == 22);
  CHECK(fb.candidates.size() == 9);
  CHECK(space_size(fb) == "984770902183611232881");  // 9^22, beyond 64 bits
}

TEST_CASE("decode and encode are inverse on random genotypes", "[space]") {
  for (const auto& name : list_spaces()) {
    INFO(name);
    Space s = load_space(name);
    Rng rng(11);
    for (int i = 0; i < 200; ++i) {
      Genotype g = sample(s, rng);
      Arch a = decode(s, g);
      analyze(a);  // every decoded arch is valid
      CHECK(encode(s, a) == g);
      CHECK(a.genotype == g);
      CHECK(a.space == s.name);
    }
  }
}

TEST_CASE("sampling is seeded", "[space]") {
  Space s = load_space("proxyless-mobile");
  Rng a(5), b(5), c(6);
  auto ga = sample(s, a), gb = sample(s, b), gc = sample(s, c);
  CHECK(ga == gb);
  CHECK(ga != gc);
}

TEST_CASE("mutation changes at least one position and stays in the space", "[space]") {
  Space s = load_space("fbnet");
  Rng rng(3);
  for (double prob : {0.0, 0.1, 0.5, 1.0}) {
    for (int i = 0; i < 100; ++i) {
      Genotype g = sample(s, rng);
      Genotype m = mutate(s, g, prob, rng);
      check_genotype(s, m);
      int diff = 0;
      for (std::size_t k = 0; k < g.size(); ++k) diff += g[k] != m[k];
      CHECK(diff >= 1);
      if (prob == 0.0) CHECK(diff == 1);
      if (prob == 1.0) CHECK(diff == int(g.size()));
    }
  }
}

TEST_CASE("crossover takes each position from one parent", "[space]") {
  Space s = load_space("proxyless-mobile");
  Rng rng(9);
  Genotype a = sample(s, rng), b = sample(s, rng);
  std::set<int> from_a, from_b;
  for (int i = 0; i < 50; ++i) {
    Genotype c = crossover(a, b, rng);
    for (std::size_t k = 0; k < c.size(); ++k) {
      REQUIRE((c[k] == a[k] || c[k] == b[k]));
      if (a[k] != b[k]) (c[k] == a[k] ? from_a : from_b).insert(int(k));
    }
  }
  CHECK(!from_a.empty());
  CHECK(!from_b.empty());
}

TEST_CASE("enumeration visits every architecture of a small space once", "[space]") {
  Space s = tiny();
  // Position 0 changes the shape (no zero), position 1 allows all three.
  REQUIRE(s.positions[0].choices.size() == 2);
  REQUIRE(s.positions[1].choices.size() == 3);
  std::set<Genotype> seen;
  enumerate(s, [&](const Genotype& g) {
    seen.insert(g);
    return true;
  });
  CHECK(seen.size() == 6);
  CHECK(space_size(s) == "6");
  CHECK_THROWS_WITH(enumerate(load_space("proxyless-mobile"), [](const Genotype&) { return true; }),
                    Catch::Contains("enumeration is limited to"));
}

TEST_CASE("genotype errors name the position", "[space]") {
  Space s = tiny();
  CHECK_THROWS_WITH(decode(s, {0}), Catch::Contains("has 2 positions, the genotype has 1"));
  CHECK_THROWS_WITH(decode(s, {0, 3}),
                    Catch::Contains("genotype[1]: position 1 (stage1) allows choices 0..2, got 3"));
  CHECK(parse_genotype("1,0,2") == Genotype{1, 0, 2});
  CHECK_THROWS_WITH(parse_genotype("1,,2"), Catch::Contains("entry 1 is ''"));
  CHECK_THROWS_WITH(parse_genotype("1,x"), Catch::Contains("entry 1 is 'x'"));
  Arch a = decode(s, {1, 2});
  a.layers[2].k = 7;
  CHECK_THROWS_WITH(encode(s, a),
                    Catch::Contains("layers[2]: matches no allowed candidate of position 1"));
}

TEST_CASE("space errors carry file:line:col", "[space]") {
  std::string bad = kTiny;
  bad.replace(bad.find("choices: [a, b, z]"), 18, "choices: [a, c, z]");
  CHECK_THROWS_WITH(read_space(parse_yaml(bad, "tiny.yaml")),
                    "tiny.yaml:10:56: layers[1].stage.choices[1]: unknown candidate 'c'; the space "
                    "defines a, b, z");
}
