#pragma once
// torch::nn modules built from the IR: one module per arch layer, held in a
// ModuleList named "layers", so parameters are named as DESIGN.md's weights
// contract says ("layers.3.dw.weight"). Input normalisation is not part of
// the module: the data loader applies the arch's preprocess.
#include <memory>

#include <torch/torch.h>

#include "hwnas/ir/arch.h"

namespace hwnas {

/// One arch layer as a module. Children are named: conv layers "conv", "bn";
/// MBConv "expand", "expand_bn", "dw", "dw_bn", "se_reduce", "se_expand",
/// "project", "project_bn"; skip projections "conv", "bn"; linear "fc";
/// bn "bn"; sepconv "dw1", "pw1", "bn1", "dw2", "pw2", "bn2"; dilconv "dw",
/// "pw", "bn"; factconv and factreduce "conv1", "conv2", "bn". An add or
/// concat module gets the joined tensor (add: the sum) and applies the act.
class LayerModule : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor x) = 0;
};

/// What an add or concat layer does with its inputs before its module (the
/// act) runs: their sum, or their concatenation along channels.
torch::Tensor join_inputs(Op op, const std::vector<torch::Tensor>& xs);

/// `act` applied in place (None: `x` unchanged).
torch::Tensor activate(torch::Tensor x, Act act);

/// Builds the module of `layer` on input `in` (shapes must be valid).
std::shared_ptr<LayerModule> make_layer_module(const Layer& layer, const Shape& in);

/// The usual initialisation (Kaiming-normal fan-out convs, unit BN,
/// N(0, 0.01) linear), drawn from torch's global generator.
void init_module_weights(torch::nn::Module& m);

class ArchNetImpl : public torch::nn::Module {
 public:
  /// Validates the arch (InputError) and builds it with the usual
  /// initialisation (Kaiming-normal fan-out convs, unit BN, N(0, 0.01) linear),
  /// drawn from torch's global generator.
  explicit ArchNetImpl(const Arch& arch);
  torch::Tensor forward(torch::Tensor x);
  /// The output of layer `last` (as that layer's module returns it).
  torch::Tensor forward_until(torch::Tensor x, int last);
  const Arch& arch() const { return arch_; }
  /// Moves 4-D parameters and buffers to channels-last (or back to contiguous).
  void set_channels_last(bool on);
  bool channels_last() const { return channels_last_; }

 private:
  Arch arch_;
  torch::nn::ModuleList list_;
  std::vector<std::shared_ptr<LayerModule>> layers_;
  std::vector<std::vector<int>> inputs_;   ///< resolved inputs of each layer
  std::vector<std::vector<int>> release_;  ///< outputs no layer after i reads
  bool chain_ = true;
  bool channels_last_ = false;
};
TORCH_MODULE(ArchNet);

/// Like Python's `t.to(memory_format=...)`: restrides even tensors whose
/// layout is ambiguous (one channel), which `contiguous(fmt)` leaves alone;
/// convolutions pick their output layout from these strides.
torch::Tensor to_memory_format(const torch::Tensor& t, at::MemoryFormat fmt);
/// Moves a module's 4-D parameters to channels-last (or back to contiguous).
void set_module_channels_last(torch::nn::Module& m, bool on);

/// Trainable parameters, as torch counts them (equals the IR's `params`).
std::int64_t count_parameters(torch::nn::Module& m);

}  // namespace hwnas
