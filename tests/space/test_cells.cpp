// Cell spaces: NAS-Bench-201 as shipped, genotype forms, shared positions,
// and the errors a broken cell gives.
#include <cmath>
#include <set>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/error.h"
#include "hwnas/cost/cost_table.h"
#include "hwnas/cost/ir_counts.h"
#include "hwnas/cost/latency_table.h"
#include "hwnas/cost/lut_model.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;

namespace {
const char* kCellSpace = R"(name: c
input: [2, 8, 8]
num_classes: 3
candidates:
  skip: {op: skip}
  conv: {op: conv, k: 3, preact: true}
  pool: {op: avgpool, k: 3, pad: 1}
cells:
  tri:
    nodes: 3
    edges: [[0, 1], [0, 2], [1, 2]]
    choices: [skip, conv, pool]
layers:
  - {id: stem, op: conv, out: 4, k: 3}
  - {cell: tri, out: 4, repeat: 2}
  - {id: wide, op: conv, out: 8, k: 1, inputs: [stem]}
  - {cell: tri, out: 8}
  - {op: gap}
  - {op: linear, out: 3}
)";
std::string space_error(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  try {
    read_space(parse_yaml(text, "c.yaml"));
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("nb201 is NAS-Bench-201: size, wiring and the published parameter range",
          "[space][cells]") {
  Space s = load_space("nb201");
  CHECK(space_size(s) == "15625");
  REQUIRE(s.positions.size() == 6);
  REQUIRE(s.cells.size() == 1);
  CHECK(s.cells[0].uses == 15);
  for (const auto& p : s.positions) CHECK(p.uses.size() == 15);
  // Every edge none/skip/pool: 73,306 params; every edge nor_conv_3x3: 1,531,546.
  for (const char* g : {"000000", "111111", "444444", "140104"})
    CHECK(analyze(decode(s, parse_genotype(s, g))).params == 73306);
  ArchStats big = analyze(decode(s, parse_genotype(s, "333333")));
  CHECK(big.params == 1531546);
  CHECK(big.macs == 220119680);
  CHECK(analyze(decode(s, parse_genotype(s, "000000"))).macs == 7783040);
}

TEST_CASE("nb201 genotypes read as the ops code, the arch string or indices", "[space][cells]") {
  Space s = load_space("nb201");
  const Genotype g{3, 3, 4, 1, 3, 1};
  CHECK(parse_genotype(s, "334131") == g);
  CHECK(parse_genotype(s, "3,3,4,1,3,1") == g);
  const std::string str =
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_"
      "connect~2|";
  CHECK(parse_genotype(s, str) == g);
  CHECK(external_genotype(s, g) == str);
  CHECK(parse_genotype(s, "012340") == Genotype{0, 1, 2, 3, 4, 0});  // codes are text
  Rng rng(4);
  for (int i = 0; i < 50; ++i) {
    Genotype x = sample(s, rng);
    CHECK(parse_genotype(s, external_genotype(s, x)) == x);
  }
  auto fails = [&](const std::string& text, const std::string& msg) {
    CHECK_THROWS_WITH(parse_genotype(s, text), Catch::Contains(msg));
  };
  fails("33413", "expected space nb201's 6-digit ops code");
  fails("3341311", "expected space nb201's 6-digit ops code");
  fails("334135", "position 5 (cell nb201 edge 2->3) allows choices 0..4, got 5");
  fails("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|", "has 2 node groups");
  fails(
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_"
      "conect~2|",
      "unknown op 'skip_conect' (did you mean 'skip_connect'?)");
  fails(
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~2|+|skip_connect~0|nor_conv_3x3~1|skip_"
      "connect~2|",
      "node 2: 'avg_pool_3x3~2' names no edge of cell nb201");
  fails("|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
        "edge 1->2 is missing");
}

TEST_CASE("every use of a cell shares its positions", "[space][cells]") {
  Space s = read_space(parse_yaml(kCellSpace, "c.yaml"));
  REQUIRE(s.positions.size() == 3);
  CHECK(s.cells[0].uses == 3);
  CHECK(space_size(s) == "27");
  Arch a = decode(s, {1, 0, 2});
  int convs = 0, pools = 0;
  for (const auto& l : a.layers)
    convs += l.op == Op::Conv && l.preact, pools += l.op == Op::AvgPool;
  CHECK(convs == 3);
  CHECK(pools == 3);
  // The third use reads the stem through a 1x1 conv, not the cell before it.
  ArchStats st = analyze(a);
  CHECK(st.layers.back().in == Shape{8, 1, 1});
  CHECK(encode(s, a) == Genotype{1, 0, 2});
  // An arch whose uses disagree is not of this space.
  Arch b = a;
  const int second_use = s.positions[0].uses[1].layer_index;
  b.layers[second_use] = s.positions[0].uses[1].layers[0];
  CHECK_THROWS_WITH(encode(s, b), Catch::Contains("shared by every use of its cell"));
  // CostTable prices a position at all its uses: sums equal whole networks.
  IrCountsModel ir;
  CostTable t(s, ir);
  enumerate(s, [&](const Genotype& g) {
    CHECK(t.cost(g).v[int(Metric::Params)] == double(analyze(decode(s, g)).params));
    return true;
  });
}

TEST_CASE("broken cells and ids are refused naming the key", "[space][cells]") {
  CHECK_THAT(space_error(kCellSpace, "edges: [[0, 1], [0, 2], [1, 2]]", "edges: [[0, 1], [2, 0]]"),
             Catch::StartsWith("c.yaml:11:") &&
                 Catch::Contains("cells.tri.edges[1]: an edge runs from an earlier node to a later "
                                 "one; got 2 -> 0"));
  CHECK_THAT(space_error(kCellSpace, "edges: [[0, 1], [0, 2], [1, 2]]", "edges: [[0, 1]]"),
             Catch::Contains("cells.tri.edges: node 2 has no incoming edge"));
  CHECK_THAT(space_error(kCellSpace, "[[0, 1], [0, 2], [1, 2]]", "[[0, 1], [0, 3], [1, 2]]"),
             Catch::Contains("cells.tri.edges[1]"));
  CHECK_THAT(space_error(kCellSpace, "{cell: tri, out: 8}", "{cell: tr, out: 8}"),
             Catch::Contains("layers[3].cell: unknown cell 'tr' (did you mean 'tri'?)"));
  CHECK_THAT(space_error(kCellSpace, "inputs: [stem]", "inputs: [sten]"),
             Catch::Contains("layers[2].inputs[0]: no earlier entry has id 'sten' (did you mean "
                             "'stem'?)"));
  CHECK_THAT(space_error(kCellSpace, "{id: wide,", "{id: stem,"),
             Catch::Contains("layers[2].id: id 'stem' is used twice"));
  // An op that changes the shape on a cell edge.
  CHECK_THAT(
      space_error(kCellSpace, "pool: {op: avgpool, k: 3, pad: 1}", "pool: {op: avgpool, k: 3}"),
      Catch::Contains("cell tri edge 0->1: candidate 'pool' gives 4x6x6 but 'skip' gives "
                      "4x8x8"));
  // A cell no layer uses.
  std::string unused = kCellSpace;
  unused.replace(unused.find("  - {cell: tri, out: 8}\n"), 24, "");
  CHECK_THAT(space_error(unused, "  - {cell: tri, out: 4, repeat: 2}\n", ""),
             Catch::Contains("cells.tri: this cell is defined but never used"));
}

TEST_CASE("eeea-c10 is EEEA-Net's block-cell space: size, loose ends, reductions",
          "[space][cells]") {
  Space s = load_space("eeea-c10");
  // Per cell: blocks b = 0..4 each pick 2 inputs of b + 2 and 2 ops of 10;
  // normal and reduction cells: (720^2 x 10^10)^2.
  CHECK(space_size(s) == "26873856" + std::string(24, '0'));
  REQUIRE(s.positions.size() == 40);
  CHECK_FALSE(s.additive());
  CHECK_FALSE(s.is_chain());
  REQUIRE(s.block_cells.size() == 20);
  CHECK(s.block_cells[6].reduction);
  CHECK(s.block_cells[13].reduction);
  CHECK(s.choice_name(0, 1) == "in1");
  CHECK(s.choice_name(4, 2) == "block0");
  CHECK(s.choice_name(1, 2) == "skip_connect");
  Rng rng(3);
  for (int i = 0; i < 30; ++i) {
    const Genotype g = sample(s, rng);
    const Arch a = decode(s, g);
    const ArchStats st = analyze(a);  // every sample is a valid network
    CHECK(encode(s, a) == g);
    // The first cell's output joins exactly the blocks no block reads.
    const BlockCellUse& bc = s.block_cells[0];
    std::set<int> read;
    for (int b = 0; b < 5; ++b)
      for (int j = 0; j < 2; ++j)
        if (g[4 * b + 2 * j] >= 2) read.insert(g[4 * b + 2 * j] - 2);
    const Layer& out = a.layers[bc.output];
    CHECK(int(out.inputs.size()) == 5 - int(read.size()));
    CHECK(st.layers[bc.output].out.c == 36 * (5 - int(read.size())));
    CHECK(st.layers.back().out == Shape{10, 1, 1});
  }
  // A reduction cell's op on a cell input strides; skip there is a factorised reduce.
  Genotype g(s.positions.size(), 0);
  const int reduce_first = s.block_cells[6].first_position;
  g[reduce_first + 1] = 2;  // block 0, op 0: skip_connect, reading in0
  const Arch a = decode(s, g);
  const Layer& l = a.layers[s.positions[reduce_first + 1].uses[0].layer_index];
  CHECK(l.op == Op::FactReduce);
  g[reduce_first + 1] = 3;  // sep_conv_3x3
  const Arch b = decode(s, g);
  CHECK(b.layers[s.positions[reduce_first + 1].uses[0].layer_index].stride == 2);
}

TEST_CASE("block-cell spaces price whole networks, tables included", "[space][cells]") {
  Space s = load_space("eeea-c10-search");
  IrCountsModel ir;
  CostTable t(s, ir);
  CHECK(t.metrics().none());  // nothing is tabled per position
  // A latency table of the space's distinct layers covers every genotype:
  // every join width is there.
  LatencyTable lut;
  lut.space = s.name;
  for (const auto& [l, in] : distinct_layers(s)) lut.add({l, in, 0.01, 0, 1});
  LutModel m(std::make_shared<const LatencyTable>(lut));
  CostTable lt(s, m);
  // Layer-additive metrics are still priced from the genotype, exactly.
  CHECK(t.priced() == metric_set({Metric::Macs, Metric::Params}));
  CHECK(lt.priced() == metric_set({Metric::LatencyMs}));
  Rng rng(8);
  std::set<std::int64_t> widths;
  for (int i = 0; i < 40; ++i) {
    const Genotype g = sample(s, rng);
    const Arch a = decode(s, g);
    const ArchStats st = analyze(a);
    const double lat = m.network(a).latency_ms();
    CHECK(lat > 0);
    CHECK(t.cost(g).macs() == double(st.macs));
    CHECK(t.cost(g).params() == double(st.params));
    CHECK(lt.cost(g).latency_ms() == Approx(lat).epsilon(1e-12));
    CHECK(std::isnan(t.cost(g).latency_ms()));
    for (const auto& bc : s.block_cells) widths.insert(st.layers[bc.output].out.c);
  }
  CHECK(widths.size() >= 3);  // the samples reach several loose-end widths
}
