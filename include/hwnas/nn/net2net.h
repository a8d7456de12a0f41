#pragma once
// Function-preserving transformations (Net2Net, Chen et al. 2016, as EAS
// grows networks with them): a wider layer, or a new identity layer, applied
// to an arch and its weights so that the child computes what its parent
// computed (in eval mode, without noise) and trains on from there.
//   Net2Wider: new units copy randomly chosen old ones (weights, bias, BN
//   statistics and affine terms); every layer that reads them divides its
//   incoming weights by the copy count. The widening travels through layers
//   that pass channels on (pools, gap, dropout, identity skips, standalone
//   BN, concat, an add whose inputs are all widened alike).
//   Net2Deeper: a conv whose centre tap is the identity and whose BN undoes
//   itself (scale sqrt(var + eps), shift mean), or an MBConv with a zero
//   last BN (its residual passes the input through).
#include <map>
#include <random>
#include <string>

#include "hwnas/ir/grow_plan.h"
#include "hwnas/nn/network.h"

namespace hwnas {

/// A module's parameters and buffers by flat name ("layers.3.conv.weight").
using NamedTensors = std::map<std::string, torch::Tensor>;

/// Detached copies of every parameter and buffer of `m`.
NamedTensors module_tensors(torch::nn::Module& m);
/// Copies each tensor of `t` into the module's tensor of that name; the
/// module's other tensors keep their values. Throws InputError for a name
/// the module lacks or a shape that differs.
void load_tensors(torch::nn::Module& m, const NamedTensors& t);

/// An arch and the weights that make it compute what its parent did.
struct Grown {
  Arch arch;
  /// The child's tensors; a name missing here (the unused parts of a new
  /// identity MBConv) keeps the child's fresh initialisation.
  NamedTensors weights;
  std::string what;  ///< "widen layers[3] (conv) 4 -> 8"
};

struct WidenRequest {
  int layer = 0;
  WidenPart part = WidenPart::Out;
  int width = 0;  ///< the new width, larger than the old
  /// Noise on the copied units, as a fraction of the weights' std (EAS:
  /// 0.01); 0 keeps the function exactly.
  double noise = 0;
};

/// The widened child. Throws InputError with widen_refusal()'s reason (ir/grow_plan.h), or
/// when the width is not larger.
Grown widen(const Arch& parent, const NamedTensors& weights, const WidenRequest& r,
            std::mt19937_64& rng);

struct DeepenRequest {
  int after = 0;     ///< the new layer reads this one; its readers read the new one
  Op op = Op::Conv;  ///< conv or mbconv
  int k = 3;         ///< odd kernel size
  double e = 1;      ///< mbconv expansion ratio
};

/// The deepened child. `mean` and `var` are layer `after`'s per-channel
/// output statistics on one batch (the new BN is then the identity in
/// training mode on that batch as well as in eval mode); undefined tensors
/// stand for 0 and 1. Throws InputError with deepen_refusal()'s reason.
Grown deepen(const Arch& parent, const NamedTensors& weights, const DeepenRequest& r,
             const torch::Tensor& mean = {}, const torch::Tensor& var = {});

/// The child's module: built from the arch, then given the grown weights.
ArchNet build_grown(const Grown& g);

}  // namespace hwnas
