#include "hwnas/nn/network.h"

#include "hwnas/common/error.h"

namespace hwnas {

namespace nnf = torch::nn::functional;

namespace {

torch::Tensor activate(torch::Tensor x, Act act) {
  switch (act) {
    case Act::None:
      return x;
    case Act::Relu:
      return torch::relu_(x);
    case Act::Relu6:
      return torch::hardtanh_(x, 0.0, 6.0);
    case Act::HSwish:
      return torch::hardswish_(x);
  }
  return x;
}

torch::nn::Conv2d conv2d(int in, int out, int k, int stride, int groups, int dilation, bool bias) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k)
                               .stride(stride)
                               .padding(dilation * (k - 1) / 2)
                               .dilation(dilation)
                               .groups(groups)
                               .bias(bias));
}

// conv [+ BN] + act; the building block of conv layers and skip projections.
class ConvBlock : public LayerModule {
 public:
  ConvBlock(int in, int out, int k, int stride, int groups, int dilation, bool bn, Act act)
      : act_(act) {
    conv_ = register_module("conv", conv2d(in, out, k, stride, groups, dilation, !bn));
    if (bn) bn_ = register_module("bn", torch::nn::BatchNorm2d(out));
  }
  torch::Tensor forward(torch::Tensor x) override {
    x = conv_->forward(x);
    if (bn_) x = bn_->forward(x);
    return activate(x, act_);
  }

 private:
  Act act_;
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};

class MBConvBlock : public LayerModule {
 public:
  MBConvBlock(const Layer& l, const Shape& in)
      : act_(l.act), groups_(l.groups), shuffle_(l.shuffle) {
    const int mid = mbconv_mid(in.c, l.e), s = l.stride_or_default();
    residual_ = l.residual.value_or(s == 1 && in.c == l.out);
    if (l.has_expand()) {
      expand_ = register_module("expand", conv2d(in.c, mid, 1, 1, l.groups, 1, false));
      expand_bn_ = register_module("expand_bn", torch::nn::BatchNorm2d(mid));
    }
    dw_ = register_module("dw", conv2d(mid, mid, l.k, s, mid, 1, false));
    dw_bn_ = register_module("dw_bn", torch::nn::BatchNorm2d(mid));
    if (l.se) {
      const int sq = se_width(mid);
      se_reduce_ = register_module("se_reduce", conv2d(mid, sq, 1, 1, 1, 1, true));
      se_expand_ = register_module("se_expand", conv2d(sq, mid, 1, 1, 1, 1, true));
    }
    project_ = register_module("project", conv2d(mid, l.out, 1, 1, l.groups, 1, false));
    project_bn_ = register_module("project_bn", torch::nn::BatchNorm2d(l.out));
  }

  torch::Tensor forward(torch::Tensor x) override {
    torch::Tensor y = x;
    if (expand_) {
      y = activate(expand_bn_->forward(expand_->forward(y)), act_);
      if (shuffle_) y = channel_shuffle(y);
    }
    y = activate(dw_bn_->forward(dw_->forward(y)), act_);
    if (se_reduce_) {
      auto g = y.mean({2, 3}, /*keepdim=*/true);
      g = se_reduce_->forward(g);
      g = torch::relu_(g);
      y = y * torch::hardsigmoid(se_expand_->forward(g));
    }
    y = project_bn_->forward(project_->forward(y));
    return residual_ ? y + x : y;
  }

 private:
  torch::Tensor channel_shuffle(const torch::Tensor& x) const {
    const auto n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    auto fmt = x.suggest_memory_format();
    return x.view({n, groups_, c / groups_, h, w})
        .transpose(1, 2)
        .reshape({n, c, h, w})
        .contiguous(fmt);
  }
  Act act_;
  int groups_;
  bool shuffle_, residual_ = false;
  torch::nn::Conv2d expand_{nullptr}, dw_{nullptr}, se_reduce_{nullptr}, se_expand_{nullptr},
      project_{nullptr};
  torch::nn::BatchNorm2d expand_bn_{nullptr}, dw_bn_{nullptr}, project_bn_{nullptr};
};

class IdentityBlock : public LayerModule {
 public:
  torch::Tensor forward(torch::Tensor x) override { return x; }
};

class PoolBlock : public LayerModule {
 public:
  PoolBlock(bool max, int k, int s) : max_(max), k_(k), s_(s) {}
  torch::Tensor forward(torch::Tensor x) override {
    return max_ ? torch::max_pool2d(x, k_, s_) : torch::avg_pool2d(x, k_, s_);
  }

 private:
  bool max_;
  int k_, s_;
};

class GapBlock : public LayerModule {
 public:
  torch::Tensor forward(torch::Tensor x) override { return x.mean({2, 3}, /*keepdim=*/true); }
};

class LinearBlock : public LayerModule {
 public:
  LinearBlock(std::int64_t in, int out) { fc_ = register_module("fc", torch::nn::Linear(in, out)); }
  torch::Tensor forward(torch::Tensor x) override { return fc_->forward(x.flatten(1)); }

 private:
  torch::nn::Linear fc_{nullptr};
};

class DropoutBlock : public LayerModule {
 public:
  explicit DropoutBlock(double p) : p_(p) {}
  torch::Tensor forward(torch::Tensor x) override {
    return nnf::dropout(x, nnf::DropoutFuncOptions().p(p_).training(is_training()));
  }

 private:
  double p_;
};

}  // namespace

void init_module_weights(torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  for (auto& sub : m.modules(/*include_self=*/false)) {
    if (auto* c = sub->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
      if (c->bias.defined()) c->bias.zero_();
    } else if (auto* b = sub->as<torch::nn::BatchNorm2d>()) {
      b->weight.fill_(1.0);
      b->bias.zero_();
    } else if (auto* l = sub->as<torch::nn::Linear>()) {
      torch::nn::init::normal_(l->weight, 0.0, 0.01);
      l->bias.zero_();
    }
  }
}

std::shared_ptr<LayerModule> make_layer_module(const Layer& l, const Shape& in) {
  const Shape out = infer_shape(l, in, "layer");
  switch (l.op) {
    case Op::Conv:
      return std::make_shared<ConvBlock>(in.c, l.out, l.k, l.stride_or_default(), l.groups,
                                         l.dilation, l.bn, l.act);
    case Op::MBConv:
      return std::make_shared<MBConvBlock>(l, in);
    case Op::Skip:
      if (out == in) return std::make_shared<IdentityBlock>();
      return std::make_shared<ConvBlock>(in.c, out.c, 1, l.stride_or_default(), 1, 1, true,
                                         Act::Relu);
    case Op::Zero:
      return std::make_shared<IdentityBlock>();
    case Op::MaxPool:
    case Op::AvgPool:
      return std::make_shared<PoolBlock>(l.op == Op::MaxPool, l.k, l.stride_or_default());
    case Op::Gap:
      return std::make_shared<GapBlock>();
    case Op::Linear:
      return std::make_shared<LinearBlock>(in.numel(), l.out);
    case Op::Dropout:
      return std::make_shared<DropoutBlock>(l.p);
  }
  HWNAS_ASSERT(false, "unknown op");
}

ArchNetImpl::ArchNetImpl(const Arch& arch) : arch_(arch) {
  ArchStats st = analyze(arch_);
  list_ = register_module("layers", torch::nn::ModuleList());
  for (std::size_t i = 0; i < arch_.layers.size(); ++i) {
    auto m = make_layer_module(arch_.layers[i], st.layers[i].in);
    list_->push_back(m);
    layers_.push_back(m);
  }
  init_module_weights(*this);
}

torch::Tensor ArchNetImpl::forward(torch::Tensor x) {
  if (channels_last_) x = to_memory_format(x, at::MemoryFormat::ChannelsLast);
  for (auto& l : layers_) x = l->forward(x);
  return x.flatten(1);
}

void ArchNetImpl::set_channels_last(bool on) {
  set_module_channels_last(*this, on);
  channels_last_ = on;
}

torch::Tensor to_memory_format(const torch::Tensor& t, at::MemoryFormat fmt) {
  return t.to(t.options(), /*non_blocking=*/false, /*copy=*/false, fmt);
}

void set_module_channels_last(torch::nn::Module& m, bool on) {
  torch::NoGradGuard no_grad;
  const auto fmt = on ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  for (auto& p : m.parameters())
    if (p.dim() == 4) p.set_data(to_memory_format(p, fmt));
}

std::int64_t count_parameters(torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters())
    if (p.requires_grad()) n += p.numel();
  return n;
}

}  // namespace hwnas
