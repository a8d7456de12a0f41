#pragma once
// Weight sharing across a supernet position's MBConv candidates, as
// Single-Path NAS (Stamoulis et al. 2019) and Once-for-All (Cai et al. 2020)
// do it: one block with the largest kernel and expansion holds the
// convolution weights; a candidate of kernel k and hidden width m uses the
// first m channels and the centred k x k part of the depthwise kernel. Each
// candidate keeps its own BatchNorms (their statistics differ by path).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hwnas/nn/network.h"
#include "hwnas/space/space.h"

namespace hwnas {

/// The largest block's convolutions: "expand" (absent when no candidate
/// expands), "dw", "project"; initialised as a child's are.
class SharedMBConvImpl : public torch::nn::Module {
 public:
  explicit SharedMBConvImpl(const PositionUse& use);
  torch::nn::Conv2d expand{nullptr}, dw{nullptr}, project{nullptr};
  int k_max = 0;
};
TORCH_MODULE(SharedMBConv);

/// One MBConv candidate computed from slices of a SharedMBConv.
class SlicedMBConv : public LayerModule {
 public:
  SlicedMBConv(const Layer& l, const Shape& in, SharedMBConv shared);
  torch::Tensor forward(torch::Tensor x) override;
  /// The child MBConv's convolution weights cut out of the shared block,
  /// under the child's names ("expand.weight", "dw.weight", "project.weight").
  std::vector<std::pair<std::string, torch::Tensor>> conv_slices() const;

 private:
  torch::Tensor dw_weight() const;
  SharedMBConv shared_;
  Act act_;
  int mid_, k_, stride_;
  bool expand_, residual_;
  torch::nn::BatchNorm2d expand_bn_{nullptr}, dw_bn_{nullptr}, project_bn_{nullptr};
};

}  // namespace hwnas
