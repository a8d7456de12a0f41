// The zero-cost proxies: the structural entropy by hand (torch-free part).
#include <cmath>

#include <catch2/catch.hpp>

#include "hwnas/search/entropy.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;

namespace {

Layer make(Op op, int out = 0, int k = 0, std::vector<int> inputs = {}) {
  Layer l = Layer::make(op);
  l.out = out;
  l.k = k;
  l.inputs = std::move(inputs);
  return l;
}

Arch small_arch(std::vector<Layer> layers) {
  Arch a;
  a.name = "t";
  a.input = {1, 8, 8};
  a.num_classes = 10;
  a.layers = std::move(layers);
  return a;
}

}  // namespace

TEST_CASE("the entropy score sums log fan-ins along a chain and paths through a DAG",
          "[search][proxy]") {
  // conv 1->4 k3, conv 4->8 k3, gap over 8x8, linear 8->10
  const Arch chain =
      small_arch({make(Op::Conv, 4, 3), make(Op::Conv, 8, 3), make(Op::Gap), make(Op::Linear, 10)});
  CHECK(structural_entropy(chain) ==
        Approx(std::log(9.0) + std::log(36.0) + std::log(64.0) + std::log(8.0)));

  // Two paths from layer 0 meet in an add: identity, and a 1x1 conv of
  // fan-in 4: their gains add (1 + 4).
  const Arch dag =
      small_arch({make(Op::Conv, 4, 3), make(Op::Skip, 0, 0, {0}), make(Op::Conv, 4, 1, {0}),
                  make(Op::Add, 0, 0, {1, 2}), make(Op::Gap), make(Op::Linear, 10)});
  const double h0 = std::log(9.0);
  CHECK(structural_entropy(dag) == Approx(h0 + std::log(5.0) + std::log(64.0) + std::log(4.0)));

  // A cut path adds nothing; every path cut is the floor.
  Arch one_cut = dag;
  one_cut.layers[2] = make(Op::None, 0, 0, {0});
  CHECK(structural_entropy(one_cut) == Approx(h0 + std::log(64.0) + std::log(4.0)));
  Arch all_cut = one_cut;
  all_cut.layers[1] = make(Op::None, 0, 0, {0});
  CHECK(structural_entropy(all_cut) == kNoPathScore);

  // On NAS-Bench-201: the all-`none` cell has no path; conv 3x3 everywhere
  // scores above conv 1x1 everywhere, which scores above skip everywhere.
  const Space nb = load_space("nb201");
  const auto score = [&](int c) { return structural_entropy(decode(nb, Genotype(6, c))); };
  CHECK(score(0) == kNoPathScore);
  CHECK(score(3) > score(2));
  CHECK(score(2) > score(1));
}
