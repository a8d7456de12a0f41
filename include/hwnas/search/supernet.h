#pragma once
// A supernet over a chain space: the space's fixed layers, and at each
// searchable position a MixedOp holding every allowed candidate (built by the
// training engine's op builders) and one architecture logit per candidate.
//
// A forward pass is steered per position by a PathGate. Gates follow one
// rule for every strategy: gates = onehot(active) + w - stop_grad(w), where w
// are the candidate weights the strategy differentiates (ProxylessNAS: the
// softmax over the sampled pair or over all; FBNet hard: Gumbel-softmax).
// Only the active candidate runs with gradients; the gate gradient of the
// others (<dL/dout, o_j>) is recomputed from the saved input in the backward
// pass, so memory stays near one child network (ProxylessNAS' full_v2 trick).
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "hwnas/nn/network.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

struct PathGate {
  int active = 0;  ///< the candidate that runs forward with gradients
  /// [choices]: gate values (see above); undefined: plain path, no
  /// architecture gradient (weight steps, child evaluation).
  torch::Tensor gates;
  /// Candidates other than `active` whose gate gradient is needed.
  std::vector<int> probe;
  /// FBNet soft mode: output = sum_j gates_j * o_j, every candidate with gradients.
  bool soft = false;
};

class SlicedMBConv;

class MixedOpImpl : public torch::nn::Module {
 public:
  /// `shared`: the MBConv candidates are slices of one block (sliced_mbconv.h).
  MixedOpImpl(const Position& pos, bool shared);
  torch::Tensor forward(const torch::Tensor& x, const PathGate& gate);
  LayerModule& candidate(int j) { return *candidates_[j]; }
  int choices() const { return int(candidates_.size()); }
  /// Candidate j as a slice of the shared block; null when it has its own weights.
  const SlicedMBConv* sliced(int j) const;
  torch::Tensor alpha;  ///< the architecture logits, one per candidate

 private:
  torch::nn::ModuleList list_;
  std::vector<std::shared_ptr<LayerModule>> candidates_;
};
TORCH_MODULE(MixedOp);

class SupernetImpl : public torch::nn::Module {
 public:
  /// Initialised like ArchNet (from torch's global generator); logits zero.
  /// `shared`: strategy option `weights: shared` (sliced_mbconv.h).
  explicit SupernetImpl(const Space& space, bool shared = false);
  /// One gate per position, in position order.
  torch::Tensor forward(torch::Tensor x, const std::vector<PathGate>& gates);
  /// The child `g` as plain paths.
  torch::Tensor forward_child(torch::Tensor x, const Genotype& g);

  const Space& space() const { return space_; }
  int positions() const { return int(mixed_.size()); }
  MixedOp& mixed(int position) { return mixed_[position]; }
  /// Everything but the logits (what the weight optimizer updates).
  std::vector<torch::Tensor> weights();
  /// The logits, one tensor per position.
  std::vector<torch::Tensor> logits();
  /// softmax(logits) per position.
  std::vector<std::vector<double>> probabilities();

  void set_channels_last(bool on);
  bool channels_last() const { return channels_last_; }
  /// Copies the weights (and BN statistics) of child `g` into `child`, an
  /// ArchNet of decode(space, g).
  void copy_into_child(const Genotype& g, ArchNet& child);

 private:
  Space space_;
  torch::nn::ModuleList list_;
  std::vector<std::shared_ptr<LayerModule>> fixed_;  ///< by arch layer; null at positions
  std::vector<MixedOp> mixed_;                       ///< by position
  std::vector<int> position_of_;                     ///< by arch layer; -1 for fixed
  bool channels_last_ = false;
};
TORCH_MODULE(Supernet);

}  // namespace hwnas
