#include "hwnas/nn/network.h"

#include "hwnas/common/error.h"
#include "hwnas/nn/batch_norm.h"

namespace hwnas {

namespace nnf = torch::nn::functional;

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

namespace {

torch::nn::Conv2d conv2d(int in, int out, int k, int stride, int groups, int dilation, bool bias) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k)
                               .stride(stride)
                               .padding(dilation * (k - 1) / 2)
                               .dilation(dilation)
                               .groups(groups)
                               .bias(bias));
}

// conv [+ BN] + act, or act + conv [+ BN] (pre-activation); the building
// block of conv layers and skip projections.
class ConvBlock : public LayerModule {
 public:
  ConvBlock(int in, int out, int k, int stride, int groups, int dilation, bool bn, bool bias,
            Act act, bool preact = false)
      : act_(act), preact_(preact) {
    conv_ = register_module("conv", conv2d(in, out, k, stride, groups, dilation, bias));
    if (bn) bn_ = register_module("bn", torch::nn::BatchNorm2d(out));
  }
  torch::Tensor forward(torch::Tensor x) override {
    // Out of place before the conv: in a graph, other layers may read x.
    if (preact_) x = activate(x.clone(), act_);
    x = conv_->forward(x);
    if (bn_) x = batch_norm(*bn_, x);
    return preact_ ? x : activate(x, act_);
  }

 private:
  Act act_;
  bool preact_;
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};

// Standalone BN + act.
class BnBlock : public LayerModule {
 public:
  BnBlock(int c, Act act) : act_(act) { bn_ = register_module("bn", torch::nn::BatchNorm2d(c)); }
  torch::Tensor forward(torch::Tensor x) override { return activate(batch_norm(*bn_, x), act_); }

 private:
  Act act_;
  torch::nn::BatchNorm2d bn_{nullptr};
};

// The act after an add (the sum itself is the network's: it joins tensors).
class ActBlock : public LayerModule {
 public:
  explicit ActBlock(Act act) : act_(act) {}
  torch::Tensor forward(torch::Tensor x) override { return activate(x, act_); }

 private:
  Act act_;
};

// NAS-Bench-201's `none`: zeros of the output shape.
class NoneBlock : public LayerModule {
 public:
  NoneBlock(int out, int stride) : out_(out), stride_(stride) {}
  torch::Tensor forward(torch::Tensor x) override {
    if (stride_ > 1) x = x.slice(2, 0, c10::nullopt, stride_).slice(3, 0, c10::nullopt, stride_);
    auto sizes = x.sizes().vec();
    sizes[1] = out_;
    return torch::zeros(sizes, x.options()).contiguous(x.suggest_memory_format());
  }

 private:
  int out_, stride_;
};

// DARTS's separable (two units) and dilated (one unit) convs: each unit is
// ReLU, depthwise kxk, pointwise 1x1, BN; the first unit has the stride.
class SepConvBlock : public LayerModule {
 public:
  SepConvBlock(const Layer& l, const Shape& in, int units) {
    const int c = in.c;
    for (int u = 0; u < units; ++u) {
      const std::string n = units == 1 ? "" : std::to_string(u + 1);
      const int co = u + 1 == units ? l.out : c;
      dw_.push_back(register_module(
          "dw" + n, conv2d(c, c, l.k, u == 0 ? l.stride_or_default() : 1, c, l.dilation, false)));
      pw_.push_back(register_module("pw" + n, conv2d(c, co, 1, 1, 1, 1, false)));
      bn_.push_back(register_module("bn" + n, torch::nn::BatchNorm2d(co)));
    }
  }
  torch::Tensor forward(torch::Tensor x) override {
    for (std::size_t u = 0; u < dw_.size(); ++u) {
      x = u == 0 ? torch::relu(x) : torch::relu_(x);
      x = batch_norm(*bn_[u], pw_[u]->forward(dw_[u]->forward(x)));
    }
    return x;
  }

 private:
  std::vector<torch::nn::Conv2d> dw_, pw_;
  std::vector<torch::nn::BatchNorm2d> bn_;
};

// DARTS's conv_7x1_1x7: ReLU, 1xk conv (stride along w), kx1 conv (along h), BN.
class FactConvBlock : public LayerModule {
 public:
  FactConvBlock(const Layer& l, const Shape& in) {
    const int k = l.k, s = l.stride_or_default(), p = (k - 1) / 2;
    conv1_ =
        register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in.c, l.out, {1, k})
                                                       .stride({1, s})
                                                       .padding({0, p})
                                                       .bias(false)));
    conv2_ =
        register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(l.out, l.out, {k, 1})
                                                       .stride({s, 1})
                                                       .padding({p, 0})
                                                       .bias(false)));
    bn_ = register_module("bn", torch::nn::BatchNorm2d(l.out));
  }
  torch::Tensor forward(torch::Tensor x) override {
    return batch_norm(*bn_, conv2_->forward(conv1_->forward(torch::relu(x))));
  }

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};

// DARTS's FactorizedReduce: ReLU, two stride-2 1x1 convs to half the width
// each, the second offset by one pixel, concatenated, BN.
class FactReduceBlock : public LayerModule {
 public:
  FactReduceBlock(const Layer& l, const Shape& in) {
    conv1_ = register_module("conv1", conv2d(in.c, l.out / 2, 1, 2, 1, 1, false));
    conv2_ = register_module("conv2", conv2d(in.c, l.out / 2, 1, 2, 1, 1, false));
    bn_ = register_module("bn", torch::nn::BatchNorm2d(l.out));
  }
  torch::Tensor forward(torch::Tensor x) override {
    x = torch::relu(x);
    auto shifted = x.slice(2, 1).slice(3, 1);
    return batch_norm(*bn_, torch::cat({conv1_->forward(x), conv2_->forward(shifted)}, 1));
  }

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
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
      y = activate(batch_norm(*expand_bn_, expand_->forward(y)), act_);
      if (shuffle_) y = channel_shuffle(y);
    }
    y = activate(batch_norm(*dw_bn_, dw_->forward(y)), act_);
    if (se_reduce_) {
      auto g = y.mean({2, 3}, /*keepdim=*/true);
      g = se_reduce_->forward(g);
      g = torch::relu_(g);
      y = y * torch::hardsigmoid(se_expand_->forward(g));
    }
    y = batch_norm(*project_bn_, project_->forward(y));
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
  PoolBlock(bool max, int k, int s, int pad) : max_(max), k_(k), s_(s), pad_(pad) {}
  torch::Tensor forward(torch::Tensor x) override {
    return max_ ? torch::max_pool2d(x, k_, s_, pad_)
                : torch::avg_pool2d(x, k_, s_, pad_, /*ceil_mode=*/false,
                                    /*count_include_pad=*/false);
  }

 private:
  bool max_;
  int k_, s_, pad_;
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

torch::Tensor join_inputs(Op op, const std::vector<torch::Tensor>& xs) {
  if (op == Op::Concat) return torch::cat(xs, 1);
  HWNAS_ASSERT(op == Op::Add && xs.size() >= 2, "join_inputs: an add of two or more");
  torch::Tensor y = xs[0] + xs[1];  // a new tensor: the in-place adds below touch no input
  for (std::size_t k = 2; k < xs.size(); ++k) y.add_(xs[k]);
  return y;
}

std::shared_ptr<LayerModule> make_layer_module(const Layer& l, const Shape& in) {
  const Shape out = infer_shape(l, in, "layer");
  switch (l.op) {
    case Op::Conv:
      return std::make_shared<ConvBlock>(in.c, l.out, l.k, l.stride_or_default(), l.groups,
                                         l.dilation, l.bn, l.has_bias(), l.act, l.preact);
    case Op::MBConv:
      return std::make_shared<MBConvBlock>(l, in);
    case Op::Skip:
      if (out == in) return std::make_shared<IdentityBlock>();
      return std::make_shared<ConvBlock>(in.c, out.c, 1, l.stride_or_default(), 1, 1, true, false,
                                         Act::Relu);
    case Op::Zero:
      return std::make_shared<IdentityBlock>();
    case Op::MaxPool:
    case Op::AvgPool:
      return std::make_shared<PoolBlock>(l.op == Op::MaxPool, l.k, l.stride_or_default(), l.pad);
    case Op::Gap:
      return std::make_shared<GapBlock>();
    case Op::Linear:
      return std::make_shared<LinearBlock>(in.numel(), l.out);
    case Op::Dropout:
      return std::make_shared<DropoutBlock>(l.p);
    case Op::Add:
      return std::make_shared<ActBlock>(l.act);
    case Op::Concat:
      return std::make_shared<IdentityBlock>();
    case Op::BN:
      return std::make_shared<BnBlock>(in.c, l.act);
    case Op::None:
      return std::make_shared<NoneBlock>(out.c, l.stride_or_default());
    case Op::SepConv:
      return std::make_shared<SepConvBlock>(l, in, 2);
    case Op::DilConv:
      return std::make_shared<SepConvBlock>(l, in, 1);
    case Op::FactConv:
      return std::make_shared<FactConvBlock>(l, in);
    case Op::FactReduce:
      return std::make_shared<FactReduceBlock>(l, in);
  }
  HWNAS_ASSERT(false, "unknown op");
}

ArchNetImpl::ArchNetImpl(const Arch& arch) : arch_(arch) {
  ArchStats st = analyze(arch_);
  list_ = register_module("layers", torch::nn::ModuleList());
  const int n = int(arch_.layers.size());
  std::vector<int> last_reader(n, n);  // the last layer's output is the network's
  for (int i = 0; i < n; ++i) {
    auto m = make_layer_module(arch_.layers[i], st.layers[i].in);
    list_->push_back(m);
    layers_.push_back(m);
    inputs_.push_back(st.layers[i].inputs);
    chain_ = chain_ && arch_.layers[i].inputs.empty();
    for (int j : st.layers[i].inputs)
      if (j >= 0) last_reader[j] = i;
  }
  release_.resize(n);
  for (int j = 0; j + 1 < n; ++j)
    if (last_reader[j] < n) release_[last_reader[j]].push_back(j);
  init_module_weights(*this);
}

torch::Tensor ArchNetImpl::forward(torch::Tensor x) {
  return forward_until(x, int(layers_.size()) - 1).flatten(1);
}

torch::Tensor ArchNetImpl::forward_until(torch::Tensor x, int last) {
  HWNAS_ASSERT(last >= 0 && last < int(layers_.size()), "forward_until: no such layer");
  if (channels_last_) x = to_memory_format(x, at::MemoryFormat::ChannelsLast);
  if (chain_) {
    for (int i = 0; i <= last; ++i) x = layers_[std::size_t(i)]->forward(x);
    return x;
  }
  // A graph: keep each output until its last reader has run.
  std::vector<torch::Tensor> outs(std::size_t(last) + 1);
  auto read = [&](int j) -> const torch::Tensor& { return j < 0 ? x : outs[std::size_t(j)]; };
  for (std::size_t i = 0; i <= std::size_t(last); ++i) {
    const auto& in = inputs_[i];
    const Op op = arch_.layers[i].op;
    torch::Tensor y;
    if (op == Op::Add || op == Op::Concat) {
      std::vector<torch::Tensor> parts;
      for (int j : in) parts.push_back(read(j));
      y = join_inputs(op, parts);
    } else {
      y = read(in[0]);
    }
    outs[i] = layers_[i]->forward(y);
    for (int j : release_[i]) outs[std::size_t(j)] = torch::Tensor();
  }
  return outs.back();
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
