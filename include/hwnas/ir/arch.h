#pragma once
// Arch = input shape + layers in an order where each reads only earlier ones
// (a DAG; a chain by default). Shape inference and counts (MACs, params,
// activation memory) live here; everything else speaks Arch.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/ir/layer.h"

namespace hwnas {

struct Preprocess {
  std::vector<double> mean, std;  ///< one per input channel; std > 0
  bool operator==(const Preprocess& o) const { return mean == o.mean && std == o.std; }
};

struct Arch {
  std::string name;
  Shape input;
  int num_classes = 0;
  std::optional<Preprocess> preprocess;  ///< applied by the exported model; default none
  std::vector<Layer> layers;
  std::string space;          ///< provenance: the space it was decoded from (may be empty)
  std::vector<int> genotype;  ///< provenance: choice indices in that space (may be empty)

  bool operator==(const Arch& o) const;
};

/// Counts for one layer at its shapes. `macs` counts conv and linear
/// multiply-accumulates only (the papers' "FLOPs"); `other_ops` counts the
/// per-element work reported apart: BN, activations, residual adds, pooling.
struct LayerStats {
  /// The input the layer sees: for add, the shape every input has; for
  /// concat, the joined shape (channels summed).
  Shape in, out;
  std::vector<int> inputs;  ///< resolved indices of the layers read; -1 = network input
  std::int64_t macs = 0;
  std::int64_t params = 0;  ///< trainable: weights, biases, BN gamma and beta
  std::int64_t other_ops = 0;
  /// fp32 activations live while this layer runs, at the batch: its inputs,
  /// output and temporaries, plus earlier outputs a later layer still reads.
  std::int64_t peak_bytes = 0;
};

struct ArchStats {
  int batch = 1;
  std::vector<LayerStats> layers;
  std::int64_t macs = 0, params = 0, other_ops = 0;
  std::int64_t peak_activation_bytes = 0;  ///< max over layers of LayerStats::peak_bytes
};

/// The most layers an arch may have (arch JSON, and every space's networks).
inline constexpr int kMaxArchLayers = 100000;

/// A bound on one layer's arithmetic (2^45, about 3.5e13): with at most
/// 1e5 layers, every total (MACs, params, bytes) fits in 64 bits.
inline constexpr double kMaxLayerWork = 35184372088832.0;

/// Output shape of `layer` on input `in` (for add and concat, the input as
/// LayerStats::in describes it); throws InputError naming `place`
/// ("layers[3]") when the layer cannot run on that input.
Shape infer_shape(const Layer& layer, const Shape& in, const std::string& place);

/// The layers layer `i` reads: its `inputs`, or the previous layer (-1, the
/// network input, for layer 0).
std::vector<int> layer_inputs(const Arch& arch, std::size_t i);

/// The input layer `i` sees (as LayerStats::in describes it), given the
/// outputs of the layers before it; checks its wiring. Throws InputError.
Shape joined_input(const Arch& arch, std::size_t i, const std::vector<Shape>& outs);

/// Input and output shape of every layer, walking the graph; validates the
/// wiring (only earlier layers, input counts, add shapes, concat sizes) and
/// every layer's shape. Throws InputError naming "layers[i]".
struct LayerShapes {
  Shape in, out;
};
std::vector<LayerShapes> infer_shapes(const Arch& arch);

/// Whether an MBConv layer on input `in` adds its input to its output.
bool mbconv_residual(const Layer& layer, const Shape& in);

/// Counts for `layer` on input `in` (shapes must be valid).
LayerStats layer_stats(const Layer& layer, const Shape& in, int batch = 1);

/// Shape inference over the whole graph plus counts; validates the arch
/// (non-empty, final linear = num_classes, preprocess sizes). Throws InputError.
ArchStats analyze(const Arch& arch, int batch = 1);

/// Only the totals, without per-layer records (the search hot path).
struct Totals {
  std::int64_t macs = 0, params = 0;
};
Totals count_totals(const Arch& arch);

}  // namespace hwnas
