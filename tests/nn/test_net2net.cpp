// Net2Wider and Net2Deeper keep the function: on every layer of hand-made
// graphs, the shipped example nets and samples of every shipped space, the
// grown child's eval-mode outputs equal its parent's within 1e-5 relative,
// its module has the parameters the IR counts, and refusals say why.
#include <filesystem>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/net2net.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
namespace fs = std::filesystem;

namespace {

// Trained-looking weights: BN statistics and affine terms off their defaults.
void perturb(ArchNet& net) {
  torch::NoGradGuard no_grad;
  for (auto& p : net->named_parameters()) p.value().add_(torch::randn_like(p.value()) * 0.1);
  for (auto& b : net->named_buffers()) {
    if (b.key().find("running_mean") != std::string::npos) b.value().normal_(0, 0.3);
    if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 2.0);
  }
}

torch::Tensor run(ArchNet& net, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  net->eval();
  return net->forward(x);
}

// The child computes the parent's function and counts as the IR says.
void check_preserved(const Arch& parent_arch, ArchNet& parent, const Grown& g,
                     const torch::Tensor& x) {
  INFO(parent_arch.name << ": " << g.what);
  ArchNet child = build_grown(g);
  CHECK(count_parameters(*child) == analyze(g.arch).params);
  const auto want = run(parent, x), got = run(child, x);
  const double scale = std::max(1.0, want.abs().max().item<double>());
  CHECK((got - want).abs().max().item<double>() <= 1e-5 * scale);
}

const char* const kGraph = R"({
  "format": "hwnas.arch/1", "name": "widen-graph", "input": [3, 12, 12], "num_classes": 5,
  "layers": [
    {"op": "conv", "out": 6, "k": 3},
    {"op": "maxpool", "k": 3, "stride": 1, "pad": 1},
    {"op": "avgpool", "k": 3, "stride": 1, "pad": 1, "inputs": [0]},
    {"op": "add", "inputs": [1, 2], "act": "relu"},
    {"op": "conv", "out": 5, "k": 1, "inputs": [0]},
    {"op": "concat", "inputs": [3, 4, 0]},
    {"op": "bn", "act": "relu"},
    {"op": "mbconv", "out": 12, "k": 3, "e": 2, "se": true, "stride": 2},
    {"op": "mbconv", "out": 12, "k": 5, "e": 3},
    {"op": "skip", "out": 8, "stride": 2},
    {"op": "conv", "out": 7, "k": 3, "inputs": [8]},
    {"op": "conv", "out": 8, "k": 1, "stride": 2, "inputs": [8], "act": "none"},
    {"op": "add", "inputs": [9, 11]},
    {"op": "factconv", "out": 8, "k": 3, "stride": 2, "inputs": [10]},
    {"op": "add", "inputs": [12, 13]},
    {"op": "gap"},
    {"op": "linear", "out": 16},
    {"op": "dropout", "p": 0.2},
    {"op": "linear", "out": 5}
  ]})";

std::vector<Arch> example_archs() {
  std::vector<Arch> archs{read_arch(parse_json(kGraph, "widen-graph")),
                          load_arch(test::source_path("configs/growth/eas-start.arch.json"))};
  for (const char* f :
       {"tests/data/archs/every-op.arch.json", "tests/data/archs/graph-ops.arch.json",
        "configs/archs/fmnist-small.arch.json"})
    archs.push_back(load_arch(test::source_path(f)));
  return archs;
}

torch::Tensor input_for(const Arch& a) {
  return torch::randn({3, a.input.c, a.input.h, a.input.w});
}

}  // namespace

TEST_CASE("Net2Wider keeps the function wherever it applies", "[net2net]") {
  std::mt19937_64 rng(1);
  int widened = 0;
  for (const Arch& a : example_archs()) {
    torch::manual_seed(0);
    ArchNet parent(a);
    perturb(parent);
    const NamedTensors w = module_tensors(*parent);
    const auto x = input_for(a);
    for (int i = 0; i < int(a.layers.size()); ++i)
      for (WidenPart part : {WidenPart::Out, WidenPart::Mid}) {
        if (!widen_refusal(a, i, part).empty()) continue;
        const int width = current_width(a, i, part);
        check_preserved(a, parent, widen(a, w, {i, part, width + 1 + width / 2, 0}, rng), x);
        ++widened;
      }
  }
  // conv, mbconv out and mid, linear, through pools, adds, concat, bn, skip.
  CHECK(widened >= 15);
}

TEST_CASE("Net2Wider reaches through pass-on layers and refuses what breaks the sum", "[net2net]") {
  const Arch a = read_arch(parse_json(kGraph, "widen-graph"));
  // Layer 0 feeds two pools summed by an add, a conv and a concat.
  CHECK(widen_refusal(a, 0, WidenPart::Out) == "");
  std::mt19937_64 rng(3);
  torch::manual_seed(0);
  ArchNet parent(a);
  const Grown g = widen(a, module_tensors(*parent), {0, WidenPart::Out, 9, 0}, rng);
  CHECK(g.arch.layers[0].out == 9);
  CHECK(analyze(g.arch).layers[5].out.c == 9 + 5 + 9);  // both copies of layer 0 grow
  // The add at 12 sums the skip's output with conv 11's: widening 11 alone breaks it.
  CHECK_THAT(widen_refusal(a, 11, WidenPart::Out),
             Catch::Contains("layers[12] (add)") && Catch::Contains("widen them together"));
  CHECK_THAT(widen_refusal(a, 8, WidenPart::Out), Catch::Contains("adds its input"));
  CHECK_THAT(widen_refusal(a, 18, WidenPart::Out), Catch::Contains("classifier"));
  CHECK_THAT(widen_refusal(a, 1, WidenPart::Out), Catch::Contains("no width of its own"));
  CHECK_THAT(widen_refusal(a, 0, WidenPart::Mid), Catch::Contains("only mbconv"));
  CHECK_THAT(widen_refusal(a, 40, WidenPart::Out), Catch::Contains("does not exist"));
  CHECK_THAT(test::error_of([&] {
               widen(a, module_tensors(*parent), {0, WidenPart::Out, 6, 0}, rng);
             }),
             Catch::Contains("6 wide already"));
}

TEST_CASE("Net2Wider's noise moves only the copies", "[net2net]") {
  const Arch a = load_arch(test::source_path("configs/growth/eas-start.arch.json"));
  torch::manual_seed(0);
  ArchNet parent(a);
  const NamedTensors w = module_tensors(*parent);
  std::mt19937_64 rng(5);
  const Grown g = widen(a, w, {2, WidenPart::Out, 8, 0.01}, rng);
  const auto& before = w.at("layers.2.conv.weight");
  const auto& after = g.weights.at("layers.2.conv.weight");
  CHECK(torch::equal(after.narrow(0, 0, 4), before));
  const double moved = (after.narrow(0, 4, 4) - before.index_select(0, torch::tensor({0, 1, 2, 3})))
                           .abs()
                           .max()
                           .item<double>();
  CHECK(moved > 0);
}

TEST_CASE("Net2Deeper inserts an identity conv or mbconv after any spatial layer", "[net2net]") {
  int deepened = 0;
  for (const Arch& a : example_archs()) {
    torch::manual_seed(0);
    ArchNet parent(a);
    perturb(parent);
    const NamedTensors w = module_tensors(*parent);
    const auto x = input_for(a);
    for (int i = 0; i < int(a.layers.size()); ++i) {
      if (!deepen_refusal(a, i).empty()) continue;
      torch::Tensor out;
      {
        torch::NoGradGuard no_grad;
        parent->eval();
        out = parent->forward_until(x, i);
      }
      const auto mean = out.mean({0, 2, 3}), var = out.var({0, 2, 3}, false);
      for (int k : {1, 3, 5}) {
        const Grown g = deepen(a, w, {i, Op::Conv, k, 1}, mean, var);
        CHECK(g.arch.layers.size() == a.layers.size() + 1);
        check_preserved(a, parent, g, x);
      }
      check_preserved(a, parent, deepen(a, w, {i, Op::MBConv, 3, 3}), x);
      ++deepened;
    }
  }
  CHECK(deepened >= 20);
  const Arch a = load_arch(test::source_path("configs/growth/eas-start.arch.json"));
  CHECK_THAT(deepen_refusal(a, 7), Catch::Contains("flat features"));
  CHECK_THAT(deepen_refusal(a, 8), Catch::Contains("network's output"));
  CHECK_THAT(test::error_of([&] {
               deepen(a, {}, {0, Op::Conv, 2, 1});
             }),
             Catch::Contains("odd size"));
}

TEST_CASE("The identity conv's BN is the identity on the batch it was set from", "[net2net]") {
  const Arch a = load_arch(test::source_path("configs/growth/eas-start.arch.json"));
  torch::manual_seed(0);
  ArchNet parent(a);
  perturb(parent);
  const auto x = torch::randn({16, 1, 28, 28});
  torch::NoGradGuard no_grad;
  parent->eval();
  const auto h = parent->forward_until(x, 2);
  const Grown g = deepen(a, module_tensors(*parent), {2, Op::Conv, 3, 1}, h.mean({0, 2, 3}),
                         h.var({0, 2, 3}, false));
  ArchNet child = build_grown(g);
  child->eval();
  const auto before = child->forward_until(x, 2);
  child->train();  // only layer 3's BN sees batch statistics through this path
  auto layers = child->named_children()["layers"];
  auto* inserted = layers->children()[3]->as<LayerModule>();
  REQUIRE(inserted);
  const auto y = inserted->forward(before.clone());
  CHECK((y - before).abs().max().item<double>() <=
        1e-4 * std::max(1.0, before.abs().max().item<double>()));
}

TEST_CASE("Grown samples of every shipped space keep their function", "[net2net]") {
  std::mt19937_64 rng(11);
  int grown = 0;
  for (const auto& name : list_spaces()) {
    const Space s = load_space(name);
    const Arch a = decode(s, sample(s, rng));
    torch::manual_seed(0);
    ArchNet parent(a);
    perturb(parent);
    const NamedTensors w = module_tensors(*parent);
    const auto x = torch::randn({2, a.input.c, a.input.h, a.input.w});
    // The first widenable and deepenable layers from a random start.
    const int n = int(a.layers.size());
    const int start = std::uniform_int_distribution<int>(0, n - 1)(rng);
    for (int d = 0; d < n; ++d) {
      const int i = (start + d) % n;
      if (widen_refusal(a, i, WidenPart::Out).empty()) {
        check_preserved(a, parent, widen(a, w, {i, WidenPart::Out, a.layers[i].out + 3, 0}, rng),
                        x);
        ++grown;
        break;
      }
    }
    for (int d = 0; d < n; ++d) {
      const int i = (start + d) % n;
      if (deepen_refusal(a, i).empty()) {
        check_preserved(a, parent, deepen(a, w, {i, Op::Conv, 3, 1}), x);
        ++grown;
        break;
      }
    }
  }
  CHECK(grown >= int(list_spaces().size()));
}
