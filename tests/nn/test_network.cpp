// Modules built from the IR: parameter counts and shapes equal the IR's, the
// weights contract round-trips, and mismatched weights are refused.
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/error.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/weights.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
namespace fs = std::filesystem;

namespace {
std::vector<Arch> every_arch() {
  std::vector<Arch> out;
  for (auto dir : {"configs/archs", "tests/data/archs"})
    for (auto& e : fs::directory_iterator(test::source_path(dir)))
      if (e.path().filename().string().find(".arch.json") != std::string::npos)
        out.push_back(load_arch(e.path().string()));
  for (const auto& name : list_spaces()) {
    Space s = load_space(name);
    Rng rng(21);
    for (int i = 0; i < 4; ++i) out.push_back(decode(s, sample(s, rng)));
  }
  return out;
}
}  // namespace

TEST_CASE("built modules have the IR's parameter count and output shape", "[nn]") {
  torch::manual_seed(0);
  for (const Arch& a : every_arch()) {
    INFO(a.name);
    ArchNet net(a);
    ArchStats st = analyze(a);
    CHECK(count_parameters(*net) == st.params);
    if (a.input.h <= 64) {  // forward the small ones for real
      net->eval();
      torch::NoGradGuard ng;
      auto y = net->forward(torch::randn({2, a.input.c, a.input.h, a.input.w}));
      CHECK(y.sizes() == torch::IntArrayRef({2, a.num_classes}));
    }
  }
}

TEST_CASE("every layer's module output matches the IR's shape inference", "[nn]") {
  for (const char* f :
       {"tests/data/archs/every-op.arch.json", "tests/data/archs/graph-ops.arch.json"}) {
    Arch a = load_arch(test::source_path(f));
    ArchStats st = analyze(a);
    torch::NoGradGuard ng;
    for (std::size_t i = 0; i < a.layers.size(); ++i) {
      INFO(f << " layer " << i);
      auto m = make_layer_module(a.layers[i], st.layers[i].in);
      m->eval();
      const Shape& in = st.layers[i].in;
      auto y = m->forward(torch::randn({1, in.c, in.h, in.w}));
      const Shape& out = st.layers[i].out;
      CHECK(y.numel() == out.numel());
      if (y.dim() == 4) CHECK(y.sizes() == torch::IntArrayRef({1, out.c, out.h, out.w}));
    }
  }
}

TEST_CASE("weights are named by layer index and round-trip", "[nn]") {
  torch::manual_seed(1);
  Arch a = load_arch(test::source_path("tests/data/archs/every-op.arch.json"));
  ArchNet net(a), other(a);
  auto names = net->named_parameters().keys();
  CHECK(std::find(names.begin(), names.end(), "layers.2.dw.weight") != names.end());
  CHECK(std::find(names.begin(), names.end(), "layers.2.se_reduce.bias") != names.end());
  CHECK(std::find(names.begin(), names.end(), "layers.14.fc.weight") != names.end());
  auto dir = test::temp_dir("weights");
  // Train-mode passes move the BN statistics, so buffers are checked too.
  net->train();
  net->forward(torch::randn({4, 3, 32, 32}));
  save_weights(*net, dir + "/w.weights");
  load_weights(*other, dir + "/w.weights");
  net->eval();
  other->eval();
  torch::NoGradGuard ng;
  auto x = torch::randn({3, 3, 32, 32});
  CHECK(torch::equal(net->forward(x), other->forward(x)));
}

TEST_CASE("weights of another arch are refused naming the first mismatch", "[nn]") {
  auto dir = test::temp_dir("weights-bad");
  Space s = load_space("proxyless-fmnist");
  Arch a = decode(s, Genotype(s.positions.size(), 0));
  Genotype g(s.positions.size(), 0);
  g[1] = 2;  // k5 instead of k3 at position 1
  Arch b = decode(s, g);
  ArchNet na(a), nb(b);
  save_weights(*na, dir + "/a.weights");
  CHECK_THROWS_WITH(load_weights(*nb, dir + "/a.weights"),
                    Catch::Contains("tensor 'layers.3.dw.weight' has shape [72, 1, 3, 3] but the "
                                    "architecture needs [72, 1, 5, 5]"));
  g[1] = 6;  // zero: the layer has no tensors, so the file has extra ones
  ArchNet nz(decode(s, g));
  CHECK_THROWS_WITH(load_weights(*nz, dir + "/a.weights"),
                    Catch::Contains("that the architecture does not have"));
  std::ofstream(dir + "/junk.weights") << "not an archive";
  CHECK_THROWS_WITH(load_weights(*na, dir + "/junk.weights"),
                    Catch::Contains("not a weights file"));
  CHECK_THROWS_WITH(load_weights(*na, dir + "/none.weights"), Catch::Contains("no such file"));
  // Another dtype is refused, not converted (float64 was loaded silently).
  ArchNet nd(a);
  nd->to(torch::kDouble);
  save_weights(*nd, dir + "/double.weights");
  CHECK_THROWS_WITH(load_weights(*na, dir + "/double.weights"),
                    Catch::Contains("is float64 but the architecture needs float32"));
  // A file cut short anywhere is refused, never read past its end.
  std::ifstream in(dir + "/a.weights", std::ios::binary);
  const std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t keep : {std::size_t(100), whole.size() / 2, whole.size() - 10}) {
    std::ofstream(dir + "/cut.weights", std::ios::binary) << whole.substr(0, keep);
    CHECK_THROWS_WITH(load_weights(*na, dir + "/cut.weights"),
                      Catch::Contains("cut.weights: not a weights file"));
  }
  // Every parameter and buffer is in the archive, read without libtorch.
  const WeightsArchive ar = read_weights_archive(dir + "/a.weights");
  CHECK(ar.tensors.size() == na->named_parameters().size() + na->named_buffers().size());
}

TEST_CASE("channels-last gives the same outputs and gradients", "[nn]") {
  torch::manual_seed(2);
  for (const char* name : {"proxyless-fmnist", "nb201-fmnist"}) {
    INFO(name);
    Space s = load_space(name);
    Rng rng(2);
    Arch a = decode(s, sample(s, rng));
    ArchNet n1(a), n2(a);
    torch::NoGradGuard ng;
    auto src = n1->named_parameters();
    for (auto& item : n2->named_parameters()) item.value().copy_(src[item.key()]);
    n2->set_channels_last(true);
    n1->eval();
    n2->eval();
    auto x = torch::randn({4, 1, 28, 28});
    CHECK(torch::allclose(n1->forward(x), n2->forward(x), 1e-4, 1e-5));
  }
}
