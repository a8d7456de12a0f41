// The analytical accelerator model against hand-computed cases, the IR's
// counts, and its own invariants.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/accel/accel_model.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
using namespace hwnas::accel;

namespace {

AccelParams design(const std::string& tmpl, std::int64_t pes, std::int64_t cluster) {
  AccelParams p;
  p.name = tmpl;
  p.template_name = tmpl;
  p.dataflow = template_dataflow(tmpl);
  p.pes = pes;
  p.cluster = cluster;
  p.l1_bytes = 4096;
  p.l2_bytes = 1 << 24;
  p.noc_bw = 1000;  // MAESTRO's shipped hardware: 1000 elements/cycle, one hop of latency 1
  p.hop_latency = 1;
  p.offchip_bw = 1000;
  p.clock_mhz = 1000;
  p.bits = 8;
  return p;
}

Layer conv(int out, int k, int stride = 1) {
  Layer l = Layer::make(Op::Conv);
  l.out = out;
  l.k = k;
  l.stride = stride;
  return l;
}

// MAESTRO's NoC delay: hop latency for the head, then one cycle per further
// bandwidth-sized piece.
double delay(double elements) {
  return 1 + std::ceil(elements / 1000) - 1;
}

}  // namespace

// A layer that tiles exactly keeps every MAC slot busy while it computes:
// its utilisation (over the whole runtime) is what the fill and stalls leave.
static void check_tiles_exactly(const LayerCost& c, const AccelParams& hw) {
  CHECK(c.macs == c.compute_cycles * hw.pes * hw.vector_width);
  CHECK(c.pe_cycles == c.cycles * hw.pes * hw.vector_width);
  CHECK(c.utilisation() == Approx(c.compute_cycles / c.cycles));
  CHECK(c.utilisation() < 1);
}

TEST_CASE("a layer that tiles exactly runs at full utilisation plus the fill", "[accel]") {
  SECTION("NVDLA-like (kcp_ws): K over 4 clusters, C over 64 PEs") {
    const AccelParams hw = design("nvdla", 256, 64);
    // 64 -> 8 channels, 3x3, 8x8 output: 294,912 MACs = 1152 cycles on 256 PEs.
    const LayerCost c = analyze_layer(conv(8, 3), {64, 8, 8}, 1, hw);
    CHECK(c.macs == 294912);
    check_tiles_exactly(c, hw);
    CHECK(c.compute_cycles == 1152);
    // Fill: the first step's tiles to all clusters (weights 4x64x9 + inputs
    // 64x3x3), and in each of the 2 x 8 x 8 steps one pass of a cluster whose
    // tiles enter its PEs first (weights 64x9 + inputs 64x3x3), as in MAESTRO.
    CHECK(c.cycles == 1152 + delay(2304 + 576) + 128 * delay(576 + 576));
    CHECK(c.bound == Bound::Compute);
  }
  SECTION("ShiDianNao-like (yxp_os): output rows over 8 clusters, columns over 8 PEs") {
    const AccelParams hw = design("shidiannao", 64, 8);
    const LayerCost c = analyze_layer(conv(2, 3), {2, 8, 8}, 1, hw);
    CHECK(c.macs == 2 * 2 * 9 * 64);
    check_tiles_exactly(c, hw);
    // Weights 3x3 + inputs 10x10 to the array; in each of the K x C = 4 steps,
    // weights + 3x10 inputs into a cluster.
    CHECK(c.cycles == 2 * 2 * 9 + delay(9 + 100) + 4 * delay(9 + 30));
  }
  SECTION("Eyeriss-like (rs): clusters of R = 3 PEs over output rows") {
    const AccelParams hw = design("eyeriss", 24, 0);
    const LayerCost c = analyze_layer(conv(16, 3), {1, 8, 8}, 1, hw);
    CHECK(c.macs == 16 * 9 * 64);
    check_tiles_exactly(c, hw);
    // Weights 16x3x3 + inputs 10x3 to the array; in each of the 8 column
    // steps, weights + 3x3 inputs into a cluster.
    CHECK(c.cycles == 16 * 9 * 64 / 24 + delay(144 + 30) + 8 * delay(144 + 9));
  }
}

TEST_CASE("utilisation counts every stall, per layer and per network", "[accel]") {
  const AccelDesign d = load_accel_design(test::source_path("configs/accel/eyeriss.yaml"));
  AccelParams hw = d.subs[0];
  const Arch a = load_arch(test::source_path("configs/archs/mobilenet-v2.arch.json"));
  const NetworkCost n = evaluate_network(a, hw);
  const double lanes = double(hw.pes) * hw.vector_width;
  // MobileNetV2's first layer waits on DRAM: its MAC slots idle meanwhile.
  const LayerCost& first = n.layers[0];
  CHECK(first.bound == Bound::Offchip);
  CHECK(first.utilisation() == Approx(first.macs / (first.cycles * lanes)));
  CHECK(first.utilisation() <= first.compute_cycles / first.cycles + 1e-12);
  CHECK(first.utilisation() < 0.5);
  // The network's: all MACs over all slots of its runtime.
  CHECK(n.total.utilisation() == Approx(n.total.macs / (n.total.cycles * lanes)));
  // Faster DRAM, less waiting: the utilisation follows the latency.
  hw.offchip_bw *= 4;
  const NetworkCost fast = evaluate_network(a, hw);
  CHECK(fast.latency_ms < n.latency_ms);
  CHECK(fast.total.utilisation() ==
        Approx(n.total.utilisation() * n.total.cycles / fast.total.cycles));
}

TEST_CASE("depthwise layers use channel parallelism where C is not reduced", "[accel]") {
  Layer dw = conv(256, 3);
  dw.groups = 256;
  const LayerCost c = analyze_layer(dw, {256, 8, 8}, 1, design("nvdla", 256, 64));
  CHECK(c.macs == 256 * 9 * 64);
  check_tiles_exactly(c, design("nvdla", 256, 64));
  // A grouped conv runs its groups one after another: twice the half-size conv.
  Layer g2 = conv(64, 1);
  g2.groups = 2;
  const AccelParams hw = design("nvdla", 256, 64);
  const LayerCost two = analyze_layer(g2, {128, 8, 8}, 1, hw);
  const LayerCost half = analyze_layer(conv(32, 1), {64, 8, 8}, 1, hw);
  CHECK(two.cycles == Approx(2 * half.cycles));
  CHECK(two.macs == 2 * half.macs);
}

TEST_CASE("a batch runs one image after another unless the dataflow maps N", "[accel]") {
  const AccelParams hw = design("nvdla", 256, 64);
  const LayerCost one = analyze_layer(conv(8, 3), {64, 8, 8}, 1, hw);
  const LayerCost four = analyze_layer(conv(8, 3), {64, 8, 8}, 4, hw);
  CHECK(four.macs == 4 * one.macs);
  CHECK(four.compute_cycles == 4 * one.compute_cycles);
  CHECK(four.cycles == Approx(4 * one.cycles).epsilon(0.01));
  CHECK(four.l1_bytes_needed == one.l1_bytes_needed);  // a PE holds one image's tile
}

TEST_CASE("a bandwidth-starved layer is memory-bound with the runtime its traffic implies",
          "[accel]") {
  AccelParams hw = design("nvdla", 256, 64);
  hw.offchip_bw = 0.01;
  const LayerCost c = analyze_layer(conv(8, 3), {64, 8, 8}, 1, hw);
  CHECK(c.bound == Bound::Offchip);
  CHECK(c.dram_reads == 8 * 64 * 9);  // the weights, once; activations stay in L2
  CHECK(c.cycles == Approx((c.dram_reads + c.dram_writes) / hw.offchip_bw));
  // A starved NoC instead: every step waits for its inputs.
  AccelParams noc = design("nvdla", 256, 64);
  noc.noc_bw = 0.5;
  const LayerCost n = analyze_layer(conv(8, 3), {64, 8, 8}, 1, noc);
  CHECK(n.bound == Bound::Noc);
  CHECK(n.cycles > 10 * n.compute_cycles);
  // Activations that do not fit L2 stream from DRAM.
  AccelParams small = design("nvdla", 256, 64);
  small.l2_bytes = 8192;
  const LayerCost s = analyze_layer(conv(64, 3), {64, 32, 32}, 1, small);
  CHECK(s.dram_reads > 64 * 32 * 32);
  CHECK(s.dram_writes >= 64 * 32 * 32);
}

TEST_CASE("MACs of every layer equal the IR's on every template", "[accel]") {
  std::vector<Arch> archs;
  for (const auto& e : std::filesystem::directory_iterator(test::source_path("configs/archs")))
    archs.push_back(load_arch(e.path().string()));
  archs.push_back(load_arch(test::source_path("tests/data/archs/graph-ops.arch.json")));
  for (const std::string name : {"proxyless-fmnist", "fbnet", "proxyless-mobile", "nb201"}) {
    Space s = load_space(name);
    Rng rng(4);
    for (int i = 0; i < 3; ++i) archs.push_back(decode(s, sample(s, rng)));
  }
  for (const std::string t : {"nvdla", "shidiannao", "eyeriss"}) {
    AccelParams hw = design(t, 256, t == "eyeriss" ? 0 : t == "nvdla" ? 64 : 8);
    hw.l1_bytes = 1 << 16;
    for (const Arch& a : archs) {
      INFO(t << " / " << a.name);
      const ArchStats st = analyze(a);
      const NetworkCost n = evaluate_network(a, hw);
      REQUIRE(n.layers.size() == st.layers.size());
      for (std::size_t i = 0; i < st.layers.size(); ++i) {
        CHECK(n.layers[i].macs == double(st.layers[i].macs));
        CHECK(n.layers[i].utilisation() <= 1 + 1e-9);
        CHECK(n.layers[i].cycles >= n.layers[i].compute_cycles);
        CHECK(n.layers[i].cycles == std::floor(n.layers[i].cycles));  // whole cycles
      }
      CHECK(n.total.macs == double(st.macs));
    }
  }
}

TEST_CASE("ResNet-50 prices on every shipped design, and joins are memory traffic", "[accel]") {
  const Arch r50 = load_arch(test::source_path("configs/archs/resnet50.arch.json"));
  const ArchStats st = analyze(r50);
  int designs = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::source_path("configs/accel"))) {
    const AccelDesign d = load_accel_design(e.path().string());
    for (const auto& hw : d.subs) {
      INFO(e.path().filename().string() << " / " << hw.name);
      const NetworkCost n = evaluate_network(r50, hw);
      CHECK(n.total.macs == double(st.macs));
      CHECK(n.latency_ms > 0);
      CHECK(n.energy_mj > 0);
      ++designs;
      for (std::size_t i = 0; i < r50.layers.size(); ++i) {
        if (r50.layers[i].op != Op::Add) continue;
        // An add of two maps: both read from L2, the sum written back.
        CHECK(n.layers[i].macs == 0);
        CHECK(n.layers[i].l2_reads == Approx(2.0 * st.layers[i].in.numel()));
        CHECK(n.layers[i].l2_writes == Approx(double(st.layers[i].out.numel())));
      }
    }
  }
  CHECK(designs >= 5);
  // The Eyeriss-like design's 512-byte L1 takes the 7x7 stem only with a
  // smaller K tile than rs's 16: it shrinks instead of refusing.
  AccelDesign ey = load_accel_design(test::source_path("configs/accel/eyeriss.yaml"));
  REQUIRE(ey.subs[0].l1_bytes == 512);
  const LayerCost stem = analyze_layer(r50.layers[0], r50.input, 1, ey.subs[0]);
  CHECK(fits(stem, ey.subs[0]));
  ey.subs[0].l1_bytes = 1 << 16;  // room for rs's own K tile of 16
  const LayerCost roomy = analyze_layer(r50.layers[0], r50.input, 1, ey.subs[0]);
  CHECK(roomy.l1_bytes_needed == 540);
  CHECK(stem.l1_bytes_needed < 512);
  CHECK(stem.cycles >= roomy.cycles);  // smaller tiles never run faster here
}

TEST_CASE("energy is monotone in every access count", "[accel]") {
  LayerCost base;
  base.macs = 100, base.l1_reads = 300, base.l1_writes = 120, base.l2_reads = 40;
  base.l2_writes = 10, base.dram_reads = 5, base.dram_writes = 1;
  const AccelParams e = design("nvdla", 256, 64);  // 8 bits: the costs' own unit
  const double e0 = energy_by_level(base, e).total();
  for (double LayerCost::*field :
       {&LayerCost::macs, &LayerCost::l1_reads, &LayerCost::l1_writes, &LayerCost::l2_reads,
        &LayerCost::l2_writes, &LayerCost::dram_reads, &LayerCost::dram_writes}) {
    LayerCost more = base;
    more.*field += 1;
    CHECK(energy_by_level(more, e).total() > e0);
  }
  // The defaults are MAESTRO's relative costs plus Eyeriss's DRAM figure.
  CHECK(energy_by_level(base, e).l2 == Approx(50 * 18.61));
  CHECK(energy_by_level(base, e).dram == Approx(6 * 200));
  // More PEs: never slower, more area.
  const Arch a = load_arch(test::source_path("configs/archs/fmnist-small.arch.json"));
  double last_ms = 1e18, last_area = 0;
  for (int pes : {64, 128, 256, 512}) {
    const AccelParams hw = design("nvdla", pes, 64);
    const double ms = evaluate_network(a, hw).latency_ms;
    CHECK(ms <= last_ms * (1 + 1e-9));
    CHECK(area_mm2(hw) > last_area);
    last_ms = ms, last_area = area_mm2(hw);
  }
}

TEST_CASE("energy scales with the bits moved and the MAC's width", "[accel]") {
  LayerCost c;
  c.macs = 1000, c.l1_reads = 3000, c.l1_writes = 1200, c.l2_reads = 400, c.l2_writes = 100;
  c.dram_reads = 50, c.dram_writes = 10;
  auto at = [&](int bits) {
    AccelParams hw = design("nvdla", 256, 64);
    hw.bits = bits;
    return std::make_pair(energy_by_level(c, hw), hw.mac_pj());
  };
  const auto [e8, mac8] = at(8);
  // Horowitz's 45 nm integer figures at 8 and 32 bits, exactly.
  CHECK(mac8 == Approx(0.2 + 0.03));
  CHECK(at(32).second == Approx(3.1 + 0.1));
  double last_mac = 0;
  for (int bits : {4, 8, 12, 16, 32}) {
    const auto [e, mac] = at(bits);
    // Memory: the same accesses move bits/8 times the bytes, and cost that much.
    CHECK(e.l1 == Approx(e8.l1 * bits / 8.0));
    CHECK(e.l2 == Approx(e8.l2 * bits / 8.0));
    CHECK(e.dram == Approx(e8.dram * bits / 8.0));
    // MACs: by the MAC's own width, growing faster than linearly.
    CHECK(e.mac == Approx(e8.mac * mac / mac8));
    CHECK(mac > last_mac);
    last_mac = mac;
  }
  CHECK(at(16).first.mac / e8.mac > 2);  // a wider multiplier costs more than 2x per doubling
  CHECK(at(4).first.total() < e8.total());
  // 8 -> 16 bits at equal access counts: memory doubles, so well under the
  // 6.5x the MAC-multiple pricing gave.
  const double ratio = at(16).first.total() / e8.total();
  CHECK(ratio > 2);
  CHECK(ratio < 4);

  // Through a network: 4-bit elements pack two per byte, so buffers hold
  // twice as many and the same traffic costs half the memory energy.
  const Arch a = load_arch(test::source_path("configs/archs/mobilenet-v2.arch.json"));
  AccelDesign d = load_accel_design(test::source_path("configs/accel/eyeriss.yaml"));
  double last = 0;
  for (int bits : {4, 8, 16}) {
    AccelParams hw = d.subs[0];
    hw.bits = bits;
    const NetworkCost n = evaluate_network(a, hw);
    CHECK(n.energy_mj > last);
    last = n.energy_mj;
  }
  AccelParams b4 = d.subs[0], b8 = d.subs[0];
  b4.bits = 4, b8.bits = 8;
  const LayerCost big4 = analyze_layer(a.layers[1], {32, 112, 112}, 1, b4);
  const LayerCost big8 = analyze_layer(a.layers[1], {32, 112, 112}, 1, b8);
  CHECK(big4.l1_bytes_needed == Approx(big8.l1_bytes_needed / 2));
  CHECK(big4.dram_reads + big4.dram_writes <= big8.dram_reads + big8.dram_writes);
}

TEST_CASE("a buffer too small for the tile names the layer and the size that works", "[accel]") {
  AccelParams hw = design("nvdla", 256, 64);
  hw.l1_bytes = 16;
  const LayerCost c = analyze_layer(conv(8, 3), {64, 8, 8}, 1, hw);
  CHECK_FALSE(fits(c, hw));
  const std::string msg = test::error_of([&] { buffer_error(c, hw, "net: layers[0]"); });
  CHECK_THAT(msg, Catch::Contains("net: layers[0]") && Catch::Contains("l1_bytes = 16") &&
                      Catch::Contains("conv: it needs at least 38 bytes"));
  hw.l1_bytes = 38;  // 2 x (9 weights + 9 inputs + 1 output), double-buffered
  CHECK(fits(c, hw));
  hw.l1_bytes = 37;
  CHECK_FALSE(fits(c, hw));
  // Through a whole network, the message names the design file and the layer.
  AccelDesign d = load_accel_design(test::source_path("configs/accel/nvdla.yaml"));
  d.subs[0].l1_bytes = 8;
  const Arch a = load_arch(test::source_path("configs/archs/fmnist-small.arch.json"));
  CHECK_THAT(test::error_of([&] { evaluate_network(a, d.subs[0]); }),
             Catch::Contains("nvdla.yaml: 'nvdla-like' on ") && Catch::Contains("layers[0]") &&
                 Catch::Contains("needs at least"));
}

TEST_CASE("heterogeneous designs run tasks in parallel: slowest latency, summed energy and area",
          "[accel]") {
  const AccelDesign d = load_accel_design(test::source_path("configs/accel/hetero-2.yaml"));
  REQUIRE(d.heterogeneous);
  const Arch a = load_arch(test::source_path("configs/archs/fmnist-small.arch.json"));
  const Arch b = load_arch(test::source_path("configs/archs/fmnist-medium.arch.json"));
  const DesignCost c = evaluate_design({a, b}, d);
  const NetworkCost na = evaluate_network(a, d.subs[0]), nb = evaluate_network(b, d.subs[1]);
  CHECK(c.latency_ms == Approx(std::max(na.latency_ms, nb.latency_ms)));
  CHECK(c.energy_mj == Approx(na.energy_mj + nb.energy_mj));
  CHECK(c.area_mm2 == Approx(area_mm2(d.subs[0]) + area_mm2(d.subs[1])));
  // A third task has no sub-accelerator.
  CHECK_THAT(test::error_of([&] {
               evaluate_design({a, b, a}, d);
             }),
             Catch::Contains("task 2 ('") && Catch::Contains("is not mapped"));
  // A task left out would leave its sub-accelerator idle, its area counted.
  CHECK_THAT(test::error_of([&] { evaluate_design({a}, d); }),
             Catch::Contains("hetero-2.yaml:") &&
                 Catch::Contains("the mapping has 2 tasks but 1 network was given"));
}

TEST_CASE("a heterogeneous mapping may split a network's layers over sub-accelerators", "[accel]") {
  const Arch a = load_arch(test::source_path("configs/archs/mobilenet-v2.arch.json"));
  const int n = int(a.layers.size());
  auto design_with = [&](const std::string& mapping) {
    const std::string dir = test::temp_dir("hetero-split");
    std::string text = read_text_file(test::source_path("configs/accel/hetero-2.yaml"));
    text = text.substr(0, text.rfind("mapping:")) + "mapping: " + mapping + "\n";
    write_file_atomic(dir + "/d.yaml", text);
    return load_accel_design(dir + "/d.yaml");
  };
  const AccelDesign split = design_with("[[{layers: [0, 5], sub: dla}, {layers: [6, " +
                                        std::to_string(n - 1) + "], sub: shi}]]");
  const DesignCost c = evaluate_design({a}, split);
  REQUIRE(c.layer_sub[0].size() == std::size_t(n));
  CHECK(c.layer_sub[0][5] == 0);
  CHECK(c.layer_sub[0][6] == 1);
  // One task: its layers run in order, so latency is the sum over both subs.
  double sum = 0;
  for (int i = 0; i < n; ++i)
    sum += latency_ms(c.tasks[0].layers[i].cycles, split.subs[c.layer_sub[0][i]]);
  CHECK(c.latency_ms == Approx(sum));
  CHECK(c.sub_latency_ms[0] + c.sub_latency_ms[1] == Approx(sum));
  CHECK(c.tasks[0].total.macs == double(analyze(a).macs));
  // Ranges that leave layers out, overlap or run past the end.
  CHECK_THAT(test::error_of([&] {
               evaluate_design({a}, design_with("[[{layers: [0, 3], sub: dla}, {layers: [6, " +
                                                std::to_string(n - 1) + "], sub: shi}]]"));
             }),
             Catch::Contains("d.yaml:") && Catch::Contains("layers 4-5 are not mapped"));
  CHECK_THAT(
      test::error_of([&] { evaluate_design({a}, design_with("[[{layers: [0, 3], sub: dla}]]")); }),
      Catch::Contains("layers 4-" + std::to_string(n - 1) + " are not mapped"));
  CHECK_THAT(test::error_of(
                 [&] { evaluate_design({a}, design_with("[[{layers: [0, 500], sub: dla}]]")); }),
             Catch::Contains("runs past the last layer"));
  CHECK_THAT(test::error_of([&] { design_with("[[{layers: [0, 3], sub: tpu}]]"); }),
             Catch::Contains("no sub-accelerator is named 'tpu'"));
}

TEST_CASE("a dataflow written in the design file prices like the built-in it spells out",
          "[accel]") {
  const AccelDesign custom =
      load_accel_design(test::source_path("configs/accel/custom-dataflow.yaml"));
  const AccelDesign named = load_accel_design(test::source_path("configs/accel/nvdla.yaml"));
  REQUIRE(custom.subs[0].dataflow == "my_kcp_ws");
  for (const std::string arch : {"mobilenet-v2", "fmnist-small", "proxylessnas-mobile"}) {
    INFO(arch);
    const Arch a = load_arch(test::source_path("configs/archs/" + arch + ".arch.json"));
    const NetworkCost x = evaluate_network(a, custom.subs[0]),
                      y = evaluate_network(a, named.subs[0]);
    CHECK(x.total.cycles == y.total.cycles);
    CHECK(x.energy.total() == y.energy.total());
  }
  // --set dataflow=rs switches to a built-in.
  AccelDesign d = custom;
  apply_overrides(d, {"dataflow=rs"});
  CHECK(d.subs[0].flow().name == "rs");
}

TEST_CASE("overrides are validated like the file", "[accel]") {
  AccelDesign d = load_accel_design(test::source_path("configs/accel/eyeriss.yaml"));
  apply_overrides(d, {"pes=64", "energy.dram=100", "template=nvdla"});
  CHECK(d.subs[0].pes == 64);
  CHECK(d.subs[0].energy.dram == 100);
  CHECK(d.subs[0].dataflow == "kcp_ws");
  CHECK_THAT(test::error_of([&] { apply_overrides(d, {"pes=0"}); }),
             Catch::Contains("--set pes=0") && Catch::Contains("pes: expected an integer in [1,"));
  CHECK_THAT(test::error_of([&] { apply_overrides(d, {"noc_bw=-2"}); }),
             Catch::Contains("noc_bw: expected a number in"));
  CHECK_THAT(test::error_of([&] { apply_overrides(d, {"pe=3"}); }),
             Catch::Contains("did you mean 'pes'"));
  CHECK_THAT(test::error_of([&] { apply_overrides(d, {"dataflow=ws"}); }),
             Catch::Contains("kcp_ws, yxp_os, rs"));
  CHECK_THAT(test::error_of([&] { apply_overrides(d, {"cluster=1000"}); }),
             Catch::Contains("cluster (1000) is larger than pes (64)"));
  CHECK_THAT(test::error_of([&] { apply_overrides(d, {"pes"}); }), Catch::Contains("key=value"));
  // In a heterogeneous design a key names its sub-accelerator, and the budget holds.
  AccelDesign h = load_accel_design(test::source_path("configs/accel/hetero-2.yaml"));
  apply_overrides(h, {"shi.pes=128", "dla.energy.l2=20"});
  CHECK(h.subs[1].pes == 128);
  CHECK(h.subs[0].energy.l2 == 20);
  CHECK_THAT(test::error_of([&] { apply_overrides(h, {"pes=64"}); }),
             Catch::Contains("names its sub-accelerator first") && Catch::Contains("dla, shi"));
  CHECK_THAT(test::error_of([&] { apply_overrides(h, {"dla.pes=512"}); }),
             Catch::Contains("over the budget of 512"));
}

TEST_CASE("kcp_ws agrees with MAESTRO's own outputs layer by layer", "[accel][maestro]") {
  // The hardware of those runs: 256 PEs in clusters of 64, NoC 1024
  // elements/cycle with one hop of latency 1, 9 MAC lanes per PE; buffers and
  // off-chip bandwidth ample (MAESTRO models no DRAM).
  AccelParams hw = design("nvdla", 256, 64);
  hw.noc_bw = 1024;
  hw.vector_width = 9;
  hw.offchip_bw = 1e9;
  std::ifstream in(test::source_path("tests/data/maestro/kcp_ws_pe256.tsv"));
  std::ofstream report(test::temp_dir("maestro") + "/kcp_ws_pe256.tsv");
  report << "layer\tcycles_ratio\tl2_reads_ratio\tout_writes_ratio\tenergy_ratio\n";
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string name;
    std::int64_t K, C, R, S, out, stride;
    double cycles, in_reads, w_reads, out_writes, energy, real_share;
    ss >> name >> K >> C >> R >> S >> out >> stride >> cycles >> in_reads >> w_reads >>
        out_writes >> energy >> real_share;
    REQUIRE(ss);
    Primitive p;
    p.dims = {1, K, C, out, out, R, S};
    p.stride = int(stride);
    const LayerCost c = analyze_primitive(p, hw);
    // Inputs and weights read from L2 (partial sums read back are counted apart).
    const double written = c.l2_writes - c.dram_reads, outputs = double(K * out * out);
    const double l2 = c.l2_reads - (written - outputs);
    const EnergyByLevel e = energy_by_level(c, hw);
    const double ratios[] = {c.cycles / cycles, l2 / ((in_reads + w_reads) * real_share),
                             written / out_writes, (e.mac + e.l1 + e.l2) / energy};
    INFO(name << ": cycles, L2 reads, output writes, energy / MAESTRO's = " << ratios[0] << ", "
              << ratios[1] << ", " << ratios[2] << ", " << ratios[3]);
    CHECK(std::fabs(ratios[0] - 1) <= 0.10);
    CHECK(std::fabs(ratios[1] - 1) <= 0.15);
    CHECK(std::fabs(ratios[2] - 1) <= 0.15);
    CHECK(std::fabs(ratios[3] - 1) <= 0.15);
    report << name;
    for (double r : ratios) report << '\t' << r;
    report << '\n';
    ++rows;
  }
  CHECK(rows == 17);
}
