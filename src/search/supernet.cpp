#include "hwnas/search/supernet.h"

#include <algorithm>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/search/sliced_mbconv.h"

namespace hwnas {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Adds zero to the output; in backward gives each probed candidate's gate
// gradient <dL/dout, o_j>, recomputing o_j from the saved input without
// storing anything of it.
struct GateProbe : torch::autograd::Function<GateProbe> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor gates, torch::Tensor x,
                               torch::Tensor like, std::int64_t op,
                               std::vector<std::int64_t> probe) {
    ctx->save_for_backward({x});
    ctx->saved_data["op"] = op;
    ctx->saved_data["probe"] = probe;
    ctx->saved_data["n"] = gates.size(0);
    return torch::zeros_like(like);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    torch::Tensor x = ctx->get_saved_variables()[0];
    auto* op = reinterpret_cast<MixedOpImpl*>(ctx->saved_data["op"].toInt());
    std::vector<double> g(std::size_t(ctx->saved_data["n"].toInt()), 0.0);
    {
      torch::NoGradGuard no_grad;
      for (std::int64_t j : ctx->saved_data["probe"].toIntVector())
        g[std::size_t(j)] = (grad_out[0] * op->candidate(int(j)).forward(x)).sum().item<double>();
    }
    auto gt = torch::tensor(g, torch::TensorOptions().dtype(torch::kFloat32));
    return {gt.to(grad_out[0].device()), torch::Tensor(), torch::Tensor(), torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

MixedOpImpl::MixedOpImpl(const Position& pos, bool shared) {
  list_ = register_module("candidates", torch::nn::ModuleList());
  const PositionUse& use = pos.uses.front();  // a chain space: one use per position
  SharedMBConv block{nullptr};
  if (shared && std::any_of(use.layers.begin(), use.layers.end(),
                            [](const Layer& l) { return l.op == Op::MBConv; }))
    block = register_module("shared", SharedMBConv(use));
  for (const Layer& l : use.layers) {
    if (block && l.op == Op::MBConv)
      candidates_.push_back(std::make_shared<SlicedMBConv>(l, use.in, block));
    else
      candidates_.push_back(make_layer_module(l, use.in));
    list_->push_back(candidates_.back());
  }
  alpha = register_parameter("alpha", torch::zeros({std::int64_t(use.layers.size())}));
}

const SlicedMBConv* MixedOpImpl::sliced(int j) const {
  return dynamic_cast<const SlicedMBConv*>(candidates_[std::size_t(j)].get());
}

torch::Tensor MixedOpImpl::forward(const torch::Tensor& x, const PathGate& gate) {
  if (gate.soft) {
    torch::Tensor out;
    for (int j = 0; j < choices(); ++j) {
      auto o = candidates_[j]->forward(x) * gate.gates[j];
      out = out.defined() ? out + o : o;
    }
    return out;
  }
  torch::Tensor o = candidates_[gate.active]->forward(x);
  if (!gate.gates.defined()) return o;
  torch::Tensor out = o * gate.gates[gate.active];
  if (gate.probe.empty()) return out;
  std::vector<std::int64_t> probe(gate.probe.begin(), gate.probe.end());
  return out + GateProbe::apply(gate.gates, x.detach(), o.detach(),
                                reinterpret_cast<std::int64_t>(this), probe);
}

SupernetImpl::SupernetImpl(const Space& space, bool shared) : space_(space) {
  if (!space_.is_chain())
    throw InputError(space_.file, fmt::format("a supernet runs chain spaces; {} has cells or "
                                              "layers that read other than the previous one",
                                              space_.name));
  ArchStats st = analyze(space_.skeleton);
  list_ = register_module("layers", torch::nn::ModuleList());
  position_of_.assign(space_.skeleton.layers.size(), -1);
  for (std::size_t p = 0; p < space_.positions.size(); ++p)
    position_of_[space_.positions[p].uses.front().layer_index] = int(p);
  for (std::size_t i = 0; i < space_.skeleton.layers.size(); ++i) {
    if (position_of_[i] >= 0) {
      mixed_.emplace_back(space_.positions[position_of_[i]], shared);
      list_->push_back(mixed_.back());
      fixed_.push_back(nullptr);
    } else {
      fixed_.push_back(make_layer_module(space_.skeleton.layers[i], st.layers[i].in));
      list_->push_back(fixed_.back());
    }
  }
  // The child's initialisation, then zero logits (uniform distributions).
  init_module_weights(*this);
  torch::NoGradGuard no_grad;
  for (auto& m : mixed_) m->alpha.zero_();
}

torch::Tensor SupernetImpl::forward(torch::Tensor x, const std::vector<PathGate>& gates) {
  HWNAS_ASSERT(gates.size() == mixed_.size(), "Supernet::forward(): one gate per position");
  if (channels_last_) x = to_memory_format(x, at::MemoryFormat::ChannelsLast);
  for (std::size_t i = 0; i < fixed_.size(); ++i) {
    const int p = position_of_[i];
    x = p >= 0 ? mixed_[p]->forward(x, gates[p]) : fixed_[i]->forward(x);
  }
  return x.flatten(1);
}

torch::Tensor SupernetImpl::forward_child(torch::Tensor x, const Genotype& g) {
  std::vector<PathGate> gates(g.size());
  for (std::size_t p = 0; p < g.size(); ++p) gates[p].active = g[p];
  return forward(std::move(x), gates);
}

std::vector<torch::Tensor> SupernetImpl::weights() {
  std::vector<torch::Tensor> out;
  for (const auto& np : named_parameters())
    if (np.key().size() < 6 || np.key().compare(np.key().size() - 6, 6, ".alpha") != 0)
      out.push_back(np.value());
  return out;
}

std::vector<torch::Tensor> SupernetImpl::logits() {
  std::vector<torch::Tensor> out;
  for (auto& m : mixed_) out.push_back(m->alpha);
  return out;
}

std::vector<std::vector<double>> SupernetImpl::probabilities() {
  std::vector<std::vector<double>> out;
  torch::NoGradGuard no_grad;
  for (auto& m : mixed_) {
    auto p = torch::softmax(m->alpha.to(torch::kFloat64).cpu(), 0);
    out.emplace_back(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
  }
  return out;
}

void SupernetImpl::set_channels_last(bool on) {
  set_module_channels_last(*this, on);
  channels_last_ = on;
}

void SupernetImpl::copy_into_child(const Genotype& g, ArchNet& child) {
  check_genotype(space_, g);
  torch::NoGradGuard no_grad;
  auto mine = named_parameters();
  auto my_buffers = named_buffers();
  auto source = [&](const std::string& child_name) {
    // "layers.<i>.<rest>" -> "layers.<i>.candidates.<choice>.<rest>" at positions
    const auto dot = child_name.find('.', 7);
    const int i = std::stoi(child_name.substr(7, dot - 7));
    const int p = position_of_[i];
    if (p < 0) return child_name;
    return child_name.substr(0, dot) + ".candidates." + std::to_string(g[p]) +
           child_name.substr(dot);
  };
  auto copy = [&](const std::string& name, torch::Tensor& dst, auto& from) {
    // a shared block's convolution: cut out the candidate's slice
    const auto dot = name.find('.', 7);
    const int p = position_of_[std::size_t(std::stoi(name.substr(7, dot - 7)))];
    if (p >= 0)
      if (const SlicedMBConv* s = mixed_[std::size_t(p)]->sliced(g[std::size_t(p)]))
        for (const auto& [rest, t] : s->conv_slices())
          if (name.compare(dot + 1, std::string::npos, rest) == 0) {
            HWNAS_ASSERT(t.sizes() == dst.sizes(), "copy_into_child(): slice " + name);
            dst.copy_(t);
            return;
          }
    const std::string src = source(name);
    const torch::Tensor* t = from.find(src);
    HWNAS_ASSERT(t && t->sizes() == dst.sizes(), "copy_into_child(): no tensor " + src);
    dst.copy_(*t);
  };
  for (auto& np : child->named_parameters()) copy(np.key(), np.value(), mine);
  for (auto& nb : child->named_buffers()) copy(nb.key(), nb.value(), my_buffers);
}

}  // namespace hwnas
