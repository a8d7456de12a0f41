#pragma once
// BatchNorm with statistics synchronised over processes (`train.sync_bn`).
// The layers keep torch's BatchNorm2d modules (parameters, buffers, export
// and BN re-estimation unchanged) and run them through batch_norm().
#include <functional>

#include <torch/torch.h>

namespace hwnas {

/// Sums a tensor over every process in place.
using AllReduceSum = std::function<void(torch::Tensor&)>;

/// While one lives, batch_norm() in training mode normalises with the mean
/// and variance of the batches of every process (their per-channel sums
/// all-reduced with `sum`, in the forward and the backward pass). Without
/// (default): each process its own batch, as torch's module. The engine
/// makes one for the training of a `sync_bn` run on several processes.
class BatchNormSync {
 public:
  explicit BatchNormSync(AllReduceSum sum);
  ~BatchNormSync();
  BatchNormSync(const BatchNormSync&) = delete;
  BatchNormSync& operator=(const BatchNormSync&) = delete;
};

/// `bn`'s forward pass, synchronised while a BatchNormSync lives.
torch::Tensor batch_norm(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x);

}  // namespace hwnas
