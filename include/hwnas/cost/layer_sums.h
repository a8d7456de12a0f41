#pragma once
// Whole-network costs of a block-cell space's genotypes without decoding
// them. Such spaces are not additive over positions (a cell's loose ends set
// the width its readers see), but a model whose metrics add over layers can
// still price each layer once per form it takes: an op per choice, plain or
// strided; a cell output per set of loose ends; a layer reading a cell
// output per input width. A genotype's cost is then a sum of looked-up
// entries. Torch-free.
#include <memory>
#include <vector>

#include "hwnas/cost/cost_model.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

class LayerSums {
 public:
  /// Null when there is nothing to gain or it cannot be done exactly: a
  /// space without block cells (CostTable tables it), a model without
  /// additive metrics or that cannot price some layer, or a layer whose
  /// inputs take too many forms to list.
  static std::shared_ptr<const LayerSums> make(const Space& space, const CostModel& model);

  MetricSet metrics() const { return metrics_; }
  /// model.network(decode(space, g)) on metrics() (NaN elsewhere); g must be valid.
  Cost cost(const Genotype& g) const;

 private:
  LayerSums() = default;
  // An op position's use in a block cell: its cost per choice, plain and
  // (reduction cells reading a cell input) strided.
  struct Slot {
    int input_position = 0, op_position = 0;
    bool reduction = false;
    int output = 0;  ///< index into outputs_ of its cell's output
    std::vector<Cost> plain, strided;
  };
  // A block cell's output layer, per set of loose ends (bit b: block b).
  struct Output {
    int dyn = 0;  ///< its slot in the per-call shapes
    std::vector<Cost> cost;
    std::vector<Shape> shape;
  };
  // A fixed layer whose input width depends on the genotype, per input it can see.
  struct Reader {
    Op op = Op::Conv;
    std::vector<int> inputs;  ///< resolved; -1 = network input
    int dyn = -1;             ///< its slot in the per-call shapes when its output varies
    std::vector<Shape> in, out;
    std::vector<Cost> cost;
  };

  void add(Cost& acc, const Cost& c) const;

  MetricSet metrics_;
  Cost fixed_;
  std::vector<std::vector<Cost>> position_;  ///< [position][choice], uses outside block cells
  std::vector<Slot> slots_;
  std::vector<Output> outputs_;
  std::vector<Reader> readers_;
  Shape input_;
  std::vector<Shape> static_out_;  ///< every layer's output at the skeleton
  std::vector<int> dyn_of_;        ///< per layer: its slot in the per-call shapes, or -1
  int dyn_count_ = 0;
};

}  // namespace hwnas
