#include "hwnas/nn/batch_norm.h"

namespace hwnas {

namespace {

AllReduceSum& active_sum() {
  static AllReduceSum sum;
  return sum;
}

// y = the sum of x over every process; the gradient of each process's x is
// the sum of every process's gradient of y.
struct SumOverProcesses : torch::autograd::Function<SumOverProcesses> {
  static torch::Tensor forward(torch::autograd::AutogradContext*, const torch::Tensor& x) {
    torch::Tensor y = x.detach().clone();
    active_sum()(y);
    return y;
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext*,
                                               torch::autograd::tensor_list grad) {
    torch::Tensor g = grad[0].clone();
    active_sum()(g);
    return {g};
  }
};

}  // namespace

BatchNormSync::BatchNormSync(AllReduceSum sum) {
  active_sum() = std::move(sum);
}

BatchNormSync::~BatchNormSync() {
  active_sum() = nullptr;
}

torch::Tensor batch_norm(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x) {
  if (!bn.is_training() || !active_sum()) return bn.forward(x);
  const auto& options = bn.options;
  const std::int64_t c = x.size(1);
  const std::vector<std::int64_t> dims = {0, 2, 3};
  // Per channel: sum, sum of squares; and the images' pixel count, in double
  // so E[x^2] - E[x]^2 keeps its precision.
  const torch::Tensor xd = x.to(torch::kCPU, torch::kFloat64);
  torch::Tensor stats =
      torch::cat({xd.sum(dims), (xd * xd).sum(dims),
                  torch::full({1}, double(x.numel() / c), xd.options()).detach()});
  stats = SumOverProcesses::apply(stats);
  const double n = stats[2 * c].item<double>();
  const torch::Tensor mean = stats.slice(0, 0, c) / n;
  const torch::Tensor var = stats.slice(0, c, 2 * c) / n - mean * mean;
  const auto shape = std::vector<std::int64_t>{1, c, 1, 1};
  torch::Tensor y = (x - mean.to(x.options()).view(shape)) *
                    torch::rsqrt(var.to(x.options()).view(shape) + options.eps());
  if (options.affine()) y = y * bn.weight.view(shape) + bn.bias.view(shape);
  if (options.track_running_stats()) {
    torch::NoGradGuard no_grad;
    const double m = options.momentum().value_or(0.1);
    bn.running_mean.mul_(1 - m).add_(mean.to(bn.running_mean.options()), m);
    bn.running_var.mul_(1 - m).add_((var * (n / std::max(1.0, n - 1))).to(bn.running_var.options()),
                                    m);
    bn.num_batches_tracked.add_(1);
  }
  return y;
}

}  // namespace hwnas
