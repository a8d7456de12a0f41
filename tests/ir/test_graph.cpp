// Graph archs: wiring, shapes, liveness, and the errors broken wiring gives.
#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/error.h"
#include "hwnas/ir/arch_json.h"

using namespace hwnas;

namespace {
// An arch from its layers' JSON, on a 4x8x8 input with 3 classes.
Arch arch_of(const std::string& layers) {
  return read_arch(parse_json(R"({"format": "hwnas.arch/1", "name": "g", "input": [4, 8, 8],
    "num_classes": 3, "layers": [)" +
                                  layers + "]}",
                              "g.arch.json"));
}
std::string error_of(const std::string& layers) {
  try {
    arch_of(layers);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("a layer reads the previous one unless it names its inputs", "[ir][graph]") {
  Arch a = arch_of(R"({"op": "conv", "out": 8, "k": 3},
    {"op": "conv", "out": 8, "k": 3},
    {"op": "conv", "out": 8, "k": 1, "inputs": [-1]},
    {"op": "add", "inputs": [1, 2], "act": "relu"},
    {"op": "concat", "inputs": [3, 0, -1]},
    {"op": "gap"}, {"op": "linear", "out": 3})");
  CHECK(layer_inputs(a, 0) == std::vector<int>{-1});
  CHECK(layer_inputs(a, 1) == std::vector<int>{0});
  CHECK(layer_inputs(a, 3) == std::vector<int>{1, 2});
  ArchStats st = analyze(a);
  CHECK(st.layers[4].in == Shape{20, 8, 8});  // concat: channels summed
  CHECK(st.layers[4].out == Shape{20, 8, 8});
  CHECK(st.layers[3].other_ops == 2 * 8 * 64);  // one sum and the relu
  CHECK(st.layers[5].in == Shape{20, 8, 8});
  // Chain archs keep their JSON: no `inputs` is written where none was given.
  json j = arch_to_json(a);
  CHECK_FALSE(j["layers"][1].contains("inputs"));
  CHECK(j["layers"][3]["inputs"] == json({1, 2}));
  CHECK(read_arch(parse_json(j.dump(), "rt.json")) == a);
}

TEST_CASE("peak memory keeps a branch alive until its last reader", "[ir][graph]") {
  // The network input stays live until layer 2 reads it, so layers 0 and 1
  // also hold it.
  Arch skip = arch_of(R"({"op": "conv", "out": 4, "k": 3}, {"op": "conv", "out": 4, "k": 3},
    {"op": "add", "inputs": [1, -1]}, {"op": "gap"}, {"op": "linear", "out": 3})");
  Arch chain = arch_of(R"({"op": "conv", "out": 4, "k": 3}, {"op": "conv", "out": 4, "k": 3},
    {"op": "gap"}, {"op": "linear", "out": 3})");
  ArchStats s = analyze(skip), c = analyze(chain);
  const std::int64_t map = 4 * 64 * 4;  // one 4x8x8 fp32 tensor
  CHECK(c.layers[0].peak_bytes == 2 * map);
  CHECK(s.layers[0].peak_bytes == 2 * map);  // layer 0 reads the input itself
  CHECK(s.layers[1].peak_bytes == 3 * map);  // its input, output, and the kept network input
  CHECK(c.layers[1].peak_bytes == 2 * map);
  CHECK(s.layers[2].peak_bytes == 3 * map);  // two inputs and the sum
  CHECK(s.peak_activation_bytes == 3 * map);
}

TEST_CASE("the cell ops have the shapes and counts of their definitions", "[ir][graph]") {
  auto make = [](Op op, int out, int k, int stride = 0) {
    Layer l = Layer::make(op);
    l.out = out, l.k = k, l.stride = stride;
    return l;
  };
  // sepconv: two (dw kxk, pw) units, stride in the first, BN after each pw.
  LayerStats sep = layer_stats(make(Op::SepConv, 16, 3, 2), {8, 16, 16});
  CHECK(sep.out == Shape{16, 8, 8});
  CHECK(sep.macs == (8 * 9 * 64 + 8 * 8 * 64) + (8 * 9 * 64 + 8 * 16 * 64));
  CHECK(sep.params == (8 * 9 + 8 * 8 + 16) + (8 * 9 + 8 * 16 + 32));
  // dilconv: one unit, dilation 2 by default, padding keeps the size.
  Layer dil = make(Op::DilConv, 8, 5);
  CHECK(dil.dilation == 2);
  CHECK(infer_shape(dil, {8, 9, 9}, "") == Shape{8, 9, 9});
  // factconv: 1xk then kx1.
  LayerStats fc = layer_stats(make(Op::FactConv, 8, 7), {8, 10, 10});
  CHECK(fc.out == Shape{8, 10, 10});
  CHECK(fc.params == 8 * 8 * 7 * 2 + 16);
  CHECK(fc.macs == 2 * 8 * 8 * 7 * 100);
  // factreduce: two stride-2 1x1 convs to half the width each.
  LayerStats fr = layer_stats(make(Op::FactReduce, 16, 0), {8, 10, 10});
  CHECK(fr.out == Shape{16, 5, 5});
  CHECK(fr.params == 2 * 8 * 8 + 32);
  CHECK_THROWS_WITH(infer_shape(make(Op::FactReduce, 16, 0), {8, 9, 9}, "layers[2]"),
                    Catch::Contains("needs an even height and width"));
  // none: zeros, no work; avgpool with padding keeps the size.
  CHECK(layer_stats(make(Op::None, 0, 0), {8, 4, 4}).macs == 0);
  Layer ap = make(Op::AvgPool, 0, 3, 1);
  ap.pad = 1;
  CHECK(infer_shape(ap, {8, 5, 5}, "") == Shape{8, 5, 5});
  ap.pad = 2;
  CHECK_THROWS_WITH(infer_shape(ap, {8, 5, 5}, ""), Catch::Contains("exceeds half the kernel"));
  // conv: bias follows bn unless given; preact counts its act on the input.
  Layer c = make(Op::Conv, 8, 1);
  c.bn = false;
  CHECK(layer_stats(c, {4, 2, 2}).params == 32 + 8);
  c.bias = false;
  CHECK(layer_stats(c, {4, 2, 2}).params == 32);
  c.preact = true;
  c.bn = true;
  CHECK(layer_stats(c, {4, 2, 2}).other_ops == 4 * 4 + 8 * 4);
}

TEST_CASE("broken wiring is refused naming the layer", "[ir][graph]") {
  const std::string tail = R"(, {"op": "gap"}, {"op": "linear", "out": 3})";
  CHECK_THAT(error_of(R"({"op": "conv", "out": 4, "k": 3, "inputs": [0]})" + tail),
             Catch::Contains("g.arch.json: layers[0] (conv): inputs[0] = 0 is not an earlier "
                             "layer"));
  CHECK_THAT(error_of(R"({"op": "conv", "out": 4, "k": 3}, {"op": "conv", "out": 4, "k": 3,
    "inputs": [2]})" + tail),
             Catch::Contains("layers[1] (conv): inputs[0] = 2 is not an earlier layer"));
  CHECK_THAT(error_of(R"({"op": "conv", "out": 4, "k": 3, "inputs": [-2]})" + tail),
             Catch::Contains("layers[0].inputs[0]: expected an integer in [-1,"));
  CHECK_THAT(
      error_of(R"({"op": "conv", "out": 8, "k": 3}, {"op": "add", "inputs": [0, -1]})" + tail),
      Catch::Contains("layers[1] (add): add of mismatched shapes: layers[0] gives 8x8x8, "
                      "the network input gives 4x8x8"));
  CHECK_THAT(error_of(R"({"op": "conv", "out": 4, "k": 3, "stride": 2},
    {"op": "concat", "inputs": [0, -1]})" +
                      tail),
             Catch::Contains("layers[1] (concat): concat of mismatched sizes: layers[0] gives "
                             "4x4, the network input gives 8x8"));
  CHECK_THAT(error_of(R"({"op": "add"})" + tail),
             Catch::Contains("layers[0] (add): needs `inputs`"));
  CHECK_THAT(error_of(R"({"op": "add", "inputs": [-1]})" + tail),
             Catch::Contains("add reads two or more layers, but `inputs` names 1"));
  CHECK_THAT(error_of(R"({"op": "conv", "out": 4, "k": 3}, {"op": "conv", "out": 4, "k": 3,
    "inputs": [0, -1]})" +
                      tail),
             Catch::Contains("conv reads one layer, but `inputs` names 2"));
  CHECK_THAT(error_of(R"({"op": "conv", "out": 4, "k": 3, "inputs": "x"})" + tail),
             Catch::Contains("layers[0].inputs"));
}
