#include "hwnas/search/sliced_mbconv.h"

#include "hwnas/nn/batch_norm.h"

#include <algorithm>

namespace hwnas {

namespace F = torch::nn::functional;

SharedMBConvImpl::SharedMBConvImpl(const PositionUse& use) {
  int mid = 0, out = 0, stride = 1;
  bool any_expand = false;
  for (const Layer& l : use.layers) {
    if (l.op != Op::MBConv) continue;
    mid = std::max(mid, mbconv_mid(use.in.c, l.e));
    k_max = std::max(k_max, l.k);
    out = l.out;
    stride = l.stride_or_default();
    any_expand = any_expand || l.has_expand();
  }
  auto conv = [](int in, int o, int k, int s, int g) {
    return torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, o, k).stride(s).padding(k / 2).groups(g).bias(false));
  };
  if (any_expand) expand = register_module("expand", conv(use.in.c, mid, 1, 1, 1));
  dw = register_module("dw", conv(mid, mid, k_max, stride, mid));
  project = register_module("project", conv(mid, out, 1, 1, 1));
}

SlicedMBConv::SlicedMBConv(const Layer& l, const Shape& in, SharedMBConv shared)
    : shared_(std::move(shared)),
      act_(l.act),
      mid_(mbconv_mid(in.c, l.e)),
      k_(l.k),
      stride_(l.stride_or_default()),
      expand_(l.has_expand()),
      residual_(mbconv_residual(l, in)) {
  if (expand_) expand_bn_ = register_module("expand_bn", torch::nn::BatchNorm2d(mid_));
  dw_bn_ = register_module("dw_bn", torch::nn::BatchNorm2d(mid_));
  project_bn_ = register_module("project_bn", torch::nn::BatchNorm2d(l.out));
}

torch::Tensor SlicedMBConv::dw_weight() const {
  const int o = (shared_->k_max - k_) / 2;
  return shared_->dw->weight.narrow(0, 0, mid_).narrow(2, o, k_).narrow(3, o, k_);
}

torch::Tensor SlicedMBConv::forward(torch::Tensor x) {
  torch::Tensor y = x;
  if (expand_) {
    y = F::conv2d(y, shared_->expand->weight.narrow(0, 0, mid_));
    y = activate(batch_norm(*expand_bn_, y), act_);
  }
  y = F::conv2d(y, dw_weight(),
                F::Conv2dFuncOptions().stride(stride_).padding(k_ / 2).groups(mid_));
  y = activate(batch_norm(*dw_bn_, y), act_);
  y = batch_norm(*project_bn_, F::conv2d(y, shared_->project->weight.narrow(1, 0, mid_)));
  return residual_ ? y + x : y;
}

std::vector<std::pair<std::string, torch::Tensor>> SlicedMBConv::conv_slices() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  if (expand_) out.emplace_back("expand.weight", shared_->expand->weight.narrow(0, 0, mid_));
  out.emplace_back("dw.weight", dw_weight());
  out.emplace_back("project.weight", shared_->project->weight.narrow(1, 0, mid_));
  return out;
}

}  // namespace hwnas
