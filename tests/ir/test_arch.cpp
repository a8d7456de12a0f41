#include <filesystem>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/ir/arch_json.h"

using namespace hwnas;
namespace fs = std::filesystem;

namespace {
Layer conv(int out, int k, int stride = 1) {
  Layer l = Layer::make(Op::Conv);
  l.out = out, l.k = k, l.stride = stride;
  return l;
}
Layer mb(int out, int k, double e, int stride = 1) {
  Layer l = Layer::make(Op::MBConv);
  l.out = out, l.k = k, l.e = e, l.stride = stride;
  return l;
}
Layer pool(Op op, int k, int stride = 0) {
  Layer l = Layer::make(op);
  l.k = k, l.stride = stride;
  return l;
}
std::vector<std::string> arch_files() {
  std::vector<std::string> out;
  for (auto dir : {"configs/archs", "tests/data/archs"})
    for (auto& e : fs::directory_iterator(test::source_path(dir)))
      if (e.path().string().size() > 10 &&
          e.path().filename().string().find(".arch.json") != std::string::npos)
        out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST_CASE("shape inference follows the contract's padding and pooling rules", "[ir]") {
  CHECK(infer_shape(conv(16, 3, 2), {1, 28, 28}, "") == Shape{16, 14, 14});
  CHECK(infer_shape(conv(8, 5, 2), {4, 7, 7}, "") == Shape{8, 4, 4});
  CHECK(infer_shape(conv(8, 2), {4, 8, 8}, "") == Shape{8, 7, 7});  // even k: floor padding
  Layer dil = conv(8, 3);
  dil.dilation = 2;
  CHECK(infer_shape(dil, {8, 9, 9}, "") == Shape{8, 9, 9});
  CHECK(infer_shape(mb(24, 7, 6, 2), {16, 15, 15}, "") == Shape{24, 8, 8});
  CHECK(infer_shape(pool(Op::MaxPool, 3, 2), {8, 7, 7}, "") == Shape{8, 3, 3});
  CHECK(infer_shape(pool(Op::AvgPool, 2), {8, 7, 7}, "") == Shape{8, 3, 3});
  CHECK_THROWS_WITH(infer_shape(pool(Op::MaxPool, 8), {8, 7, 7}, "layers[4]"),
                    Catch::Contains("layers[4] (maxpool): the feature map vanishes"));
  CHECK(infer_shape(Layer::make(Op::Gap), {8, 7, 7}, "") == Shape{8, 1, 1});
  Layer lin = Layer::make(Op::Linear);
  lin.out = 10;
  CHECK(infer_shape(lin, {8, 2, 2}, "") == Shape{10, 1, 1});
  Layer skip = Layer::make(Op::Skip);
  CHECK(infer_shape(skip, {8, 7, 7}, "") == Shape{8, 7, 7});
  skip.out = 16, skip.stride = 2;
  CHECK(infer_shape(skip, {8, 7, 7}, "") == Shape{16, 4, 4});
  Layer zero = Layer::make(Op::Zero);
  zero.stride = 2;
  CHECK_THROWS_WITH(infer_shape(zero, {8, 7, 7}, "x"), Catch::Contains("zero drops the layer"));
}

TEST_CASE("MBConv counts match a hand computation", "[ir]") {
  // in 16, out 24, k3, e3, stride 2 on 16x16: mid 48, output 8x8.
  LayerStats st = layer_stats(mb(24, 3, 3, 2), {16, 16, 16});
  CHECK(st.macs == 16 * 48 * 256 + 48 * 9 * 64 + 48 * 24 * 64);
  CHECK(st.params == 16 * 48 + 2 * 48 + 48 * 9 + 2 * 48 + 48 * 24 + 2 * 24);
  // Grouped 1x1s (g = 2) halve both pointwise convs.
  Layer g2 = mb(24, 3, 1, 1);
  g2.expand = true, g2.groups = 2, g2.shuffle = true;
  LayerStats sg = layer_stats(g2, {16, 8, 8});
  CHECK(sg.params == 8 * 16 + 2 * 16 + 16 * 9 + 2 * 16 + 8 * 24 + 2 * 24);
}

TEST_CASE("peak activation memory counts input plus output and MBConv intermediates", "[ir]") {
  CHECK(layer_stats(conv(16, 3), {1, 28, 28}, 1).peak_bytes == (784 + 16 * 784) * 4);
  CHECK(layer_stats(conv(16, 3), {1, 28, 28}, 8).peak_bytes == 8 * (784 + 16 * 784) * 4);
  // Residual MBConv, in 16x8x8 (1024), e = 2 (mid 2048): the depthwise stage
  // holds input (kept for the add) + expand output + depthwise output.
  CHECK(layer_stats(mb(16, 3, 2), {16, 8, 8}, 1).peak_bytes == (1024 + 2048 + 2048) * 4);
  Arch a;
  a.name = "p";
  a.input = {1, 28, 28};
  a.num_classes = 10;
  a.layers = {conv(16, 3), Layer::make(Op::Gap)};
  Layer lin = Layer::make(Op::Linear);
  lin.out = 10;
  a.layers.push_back(lin);
  CHECK(analyze(a, 2).peak_activation_bytes == 2 * (784 + 16 * 784) * 4);
}

TEST_CASE("the default residual is on exactly when stride 1 and in = out", "[ir]") {
  auto adds = [](const Layer& l, Shape in) { return layer_stats(l, in).other_ops; };
  Layer with = mb(16, 3, 3);
  Layer without = with;
  without.residual = false;
  CHECK(adds(with, {16, 8, 8}) - adds(without, {16, 8, 8}) == 16 * 64);
  Layer forced = mb(24, 3, 3);
  forced.residual = true;
  CHECK_THROWS_WITH(infer_shape(forced, {16, 8, 8}, "layers[1]"),
                    Catch::Contains("residual: true needs stride 1 and out = in"));
}

TEST_CASE("arch JSON round-trips for every shipped and fixture arch", "[ir]") {
  for (const auto& f : arch_files()) {
    INFO(f);
    Arch a = load_arch(f);
    Arch b = read_arch(parse_json(arch_to_json(a).dump(), "roundtrip.json"));
    CHECK(a == b);
    auto dir = test::temp_dir("arch-rt");
    save_arch(a, dir + "/x.arch.json");
    CHECK(load_arch(dir + "/x.arch.json") == a);
  }
}

TEST_CASE("IR counts equal PyTorch's for every arch (tools/reference_counts.py)", "[ir]") {
  auto ref =
      parse_json(read_text_file(test::source_path("tests/data/reference_counts.json")), "ref");
  REQUIRE(ref.root.size() >= 10);
  for (auto it = ref.root.begin(); it != ref.root.end(); ++it) {
    INFO(it.key());
    ArchStats st = analyze(load_arch(test::source_path(it.key())));
    CHECK(st.params == it.value()["params"].get<std::int64_t>());
    CHECK(st.macs == it.value()["macs"].get<std::int64_t>());
  }
}

TEST_CASE("layer errors name the file and the layer index and the field", "[ir]") {
  auto doc = parse_json(R"({"format": "hwnas.arch/1", "name": "x", "input": [1, 8, 8],
    "num_classes": 2, "layers": [{"op": "conv", "out": 4, "k": 3}, {"op": "mbconv", "out": 4, "k": 3}]})",
                        "x.arch.json");
  CHECK_THROWS_WITH(read_arch(doc), "x.arch.json: layers[1].e: missing required key");
  auto doc2 = parse_json(R"({"format": "hwnas.arch/1", "name": "x", "input": [1, 8, 8],
    "num_classes": 2, "layers": [{"op": "conv", "out": 4, "k": 3}, {"op": "maxpool", "k": 9}]})",
                         "y.arch.json");
  CHECK_THROWS_WITH(
      read_arch(doc2),
      Catch::StartsWith("y.arch.json: layers[1] (maxpool): the feature map vanishes"));
}
