#pragma once
// The torch-free half of the function-preserving transformations
// (nn/net2net.h): whether a layer can be widened or followed by an identity
// layer, and what widening it changes downstream. Config checks use it
// without weights; nn/net2net.cpp applies the plans to tensors.
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "hwnas/ir/arch.h"

namespace hwnas {

/// How a wider output's channels relate to the old ones: new channel j
/// copies old channel from[j]; count[o] new channels copy old channel o.
struct ChannelMap {
  std::vector<std::int64_t> from;
  std::vector<int> count;
  static ChannelMap identity(int channels);
  /// The map of a flattened channels x hw input (a linear layer's features).
  ChannelMap flattened(int hw) const;
  bool operator==(const ChannelMap& o) const { return from == o.from; }
};

/// The old channels in order, then `new_width - old_width` copies of
/// channels drawn uniformly.
ChannelMap draw_map(int old_width, int new_width, std::mt19937_64& rng);

/// Which width of a layer: its output (conv, mbconv, linear) or an MBConv's
/// expansion (the hidden width of its depthwise conv).
enum class WidenPart { Out, Mid };

/// What widening one layer changes: the channel map of every layer output
/// that grows, the layers that read grown channels through weights (their
/// input weights follow the map, divided by the copy counts), standalone
/// BNs whose rows follow, and layers whose explicit `out` follows.
struct WidenPlan {
  std::string refusal;  ///< "" when the widening applies
  int old_width = 0;
  std::vector<std::optional<ChannelMap>> maps;
  std::vector<int> readers, pass_bn, resized;
};

/// The plan for widening `part` of `layer` to `new_width` (the map's copies
/// drawn from `rng`); an MBConv's hidden width changes only its own block,
/// so its plan has no maps.
WidenPlan plan_widen(const Arch& arch, int layer, WidenPart part, int new_width,
                     std::mt19937_64& rng);

/// The width a widening changes today (`out`, or the MBConv's hidden width).
int current_width(const Arch& arch, int layer, WidenPart part);

/// "" when `part` of `layer` can be widened; else why not, naming the layer
/// and the one that stops it ("layers[5] (add) sums it with ...").
std::string widen_refusal(const Arch& arch, int layer, WidenPart part);

/// "" when an identity layer can follow `after`; else why not.
std::string deepen_refusal(const Arch& arch, int after);

/// Per layer: whether its output is never negative (an identity conv with a
/// ReLU leaves it as it is) and whether it is flat (a linear's features).
struct OutputKinds {
  std::vector<bool> nonneg, flat;
};
OutputKinds output_kinds(const Arch& arch, const ArchStats& stats);

/// "layers[3] (conv)".
std::string layer_name(const Arch& arch, int layer);

}  // namespace hwnas
