#include "hwnas/nn/net2net.h"

#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "hwnas/common/error.h"

namespace hwnas {

NamedTensors module_tensors(torch::nn::Module& m) {
  NamedTensors out;
  for (const auto& p : m.named_parameters()) out[p.key()] = p.value().detach().clone();
  for (const auto& b : m.named_buffers()) out[b.key()] = b.value().detach().clone();
  return out;
}

void load_tensors(torch::nn::Module& m, const NamedTensors& t) {
  auto params = m.named_parameters();
  auto buffers = m.named_buffers();
  torch::NoGradGuard no_grad;
  for (const auto& [name, v] : t) {
    torch::Tensor* dst = params.find(name);
    if (!dst) dst = buffers.find(name);
    if (!dst) throw InputError("weights", fmt::format("the network has no tensor '{}'", name));
    if (dst->sizes() != v.sizes())
      throw InputError("weights",
                       fmt::format("'{}' has shape {}, the network's is {}", name,
                                   fmt::join(v.sizes(), "x"), fmt::join(dst->sizes(), "x")));
    dst->copy_(v);
  }
}

ArchNet build_grown(const Grown& g) {
  ArchNet net(g.arch);
  load_tensors(*net, g.weights);
  return net;
}

namespace {

std::string key(int i, const char* leaf) {
  return fmt::format("layers.{}.{}", i, leaf);
}

torch::Tensor index_of(const ChannelMap& m) {
  return torch::tensor(m.from, torch::kLong);
}
// 1 / copies of each new channel's source, for the readers' weights.
torch::Tensor scale_of(const ChannelMap& m) {
  std::vector<float> s;
  for (auto f : m.from) s.push_back(1.0f / float(m.count[std::size_t(f)]));
  return torch::tensor(s);
}

// The rows of `w` (dim 0) in the map's order.
torch::Tensor rows(const torch::Tensor& w, const ChannelMap& m) {
  return w.index_select(0, index_of(m));
}
// The columns (dim 1) in the map's order, each divided by its copy count.
torch::Tensor columns(const torch::Tensor& w, const ChannelMap& m) {
  std::vector<std::int64_t> shape(w.dim(), 1);
  shape[1] = std::int64_t(m.from.size());
  return w.index_select(1, index_of(m)) * scale_of(m).view(shape);
}

struct Editor {
  NamedTensors& w;
  void take_rows(int layer, const char* leaf, const ChannelMap& m) {
    auto it = w.find(key(layer, leaf));
    if (it != w.end()) it->second = rows(it->second, m);
  }
  void take_columns(int layer, const char* leaf, const ChannelMap& m) {
    auto it = w.find(key(layer, leaf));
    if (it != w.end()) it->second = columns(it->second, m);
  }
  void bn_rows(int layer, const std::string& bn, const ChannelMap& m) {
    for (const char* leaf : {"weight", "bias", "running_mean", "running_var"})
      take_rows(layer, (bn + "." + leaf).c_str(), m);
  }
  // Noise on the copies only (rows past the old width), as EAS breaks symmetry.
  void noise(int layer, const char* leaf, int old_width, double amount) {
    auto it = w.find(key(layer, leaf));
    if (amount <= 0 || it == w.end()) return;
    torch::Tensor& t = it->second;
    const double sd = t.std().item<double>() * amount;
    auto copies = t.narrow(0, old_width, t.size(0) - old_width);
    copies.add_(torch::randn_like(copies) * sd);
  }
};

// Widening an MBConv's hidden width: every conv of the block follows.
void widen_mid(const Arch& a, int t, const ChannelMap& m, NamedTensors& w) {
  Editor ed{w};
  ed.take_rows(t, "expand.weight", m);
  ed.bn_rows(t, "expand_bn", m);
  ed.take_rows(t, "dw.weight", m);
  ed.bn_rows(t, "dw_bn", m);
  ed.take_columns(t, "project.weight", m);
  if (!a.layers[t].se) return;
  // The squeeze reads the mean of the hidden channels; when the wider block
  // has more squeeze units, the new ones start at zero in and out.
  ed.take_columns(t, "se_reduce.weight", m);
  ed.take_rows(t, "se_expand.weight", m);
  ed.take_rows(t, "se_expand.bias", m);
  const int sq_old = se_width(int(m.count.size())), sq_new = se_width(int(m.from.size()));
  if (sq_new == sq_old) return;
  auto& red = w.at(key(t, "se_reduce.weight"));
  auto& red_b = w.at(key(t, "se_reduce.bias"));
  auto& exp = w.at(key(t, "se_expand.weight"));
  red = torch::cat({red, torch::zeros({sq_new - sq_old, red.size(1), 1, 1})}, 0);
  red_b = torch::cat({red_b, torch::zeros({sq_new - sq_old})}, 0);
  exp = torch::cat({exp, torch::zeros({exp.size(0), sq_new - sq_old, 1, 1})}, 1);
}

}  // namespace

Grown widen(const Arch& parent, const NamedTensors& weights, const WidenRequest& r,
            std::mt19937_64& rng) {
  WidenPlan p = plan_widen(parent, r.layer, r.part, r.width, rng);
  if (!p.refusal.empty()) throw InputError("widen", p.refusal);
  if (r.width <= p.old_width)
    throw InputError("widen", fmt::format("{} to {}: it is {} wide already",
                                          layer_name(parent, r.layer), r.width, p.old_width));
  Grown g{parent, weights, ""};
  Editor ed{g.weights};
  const int t = r.layer;
  Layer& l = g.arch.layers[std::size_t(t)];
  const ArchStats st = analyze(parent);
  if (r.part == WidenPart::Mid) {
    const ChannelMap m = draw_map(p.old_width, r.width, rng);
    widen_mid(parent, t, m, g.weights);
    ed.noise(t, "expand.weight", p.old_width, r.noise);
    const int in = st.layers[std::size_t(t)].in.c;
    l.e = double(r.width) / in;
    l.expand = true;  // even where e lands on 1
    HWNAS_ASSERT(mbconv_mid(in, l.e) == r.width, "widen: expansion ratio round trip");
    g.what =
        fmt::format("widen {} expansion {} -> {}", layer_name(parent, t), p.old_width, r.width);
    return g;
  }
  const ChannelMap& m = *p.maps[std::size_t(t)];
  const char* main = l.op == Op::Conv     ? "conv.weight"
                     : l.op == Op::MBConv ? "project.weight"
                                          : "fc.weight";
  ed.take_rows(t, main, m);
  ed.take_rows(t, l.op == Op::Conv ? "conv.bias" : "fc.bias", m);
  if (l.op == Op::Conv) ed.bn_rows(t, "bn", m);
  if (l.op == Op::MBConv) ed.bn_rows(t, "project_bn", m);
  ed.noise(t, main, p.old_width, r.noise);
  l.out = r.width;
  for (int b : p.pass_bn) ed.bn_rows(b, "bn", *p.maps[std::size_t(b)]);
  for (int s : p.resized)
    g.arch.layers[std::size_t(s)].out = int(p.maps[std::size_t(s)]->from.size());
  for (int c : p.readers) {
    const ChannelMap& in = *p.maps[std::size_t(st.layers[std::size_t(c)].inputs[0])];
    switch (parent.layers[std::size_t(c)].op) {
      case Op::Conv:
      case Op::Skip:
        ed.take_columns(c, "conv.weight", in);
        break;
      case Op::MBConv: {
        // Its hidden width is round(in * e): keep it while `in` grows.
        ed.take_columns(c, "expand.weight", in);
        const int in_old = st.layers[std::size_t(c)].in.c, in_new = int(in.from.size());
        double& e = g.arch.layers[std::size_t(c)].e;
        const int mid = mbconv_mid(in_old, e);
        e = double(mid) / in_new;
        g.arch.layers[std::size_t(c)].expand = true;  // even where e lands on 1
        HWNAS_ASSERT(mbconv_mid(in_new, e) == mid, "widen: a reader's expansion round trip");
        break;
      }
      case Op::Linear: {
        const Shape s = st.layers[std::size_t(c)].in;
        ed.take_columns(c, "fc.weight", in.flattened(s.h * s.w));
        break;
      }
      case Op::FactConv:
        ed.take_columns(c, "conv1.weight", in);
        break;
      case Op::FactReduce:
        ed.take_columns(c, "conv1.weight", in);
        ed.take_columns(c, "conv2.weight", in);
        break;
      default:
        HWNAS_ASSERT(false, "widen: a reader without input weights");
    }
  }
  g.what = fmt::format("widen {} {} -> {}", layer_name(parent, t), p.old_width, r.width);
  return g;
}

Grown deepen(const Arch& parent, const NamedTensors& weights, const DeepenRequest& r,
             const torch::Tensor& mean, const torch::Tensor& var) {
  const std::string why = deepen_refusal(parent, r.after);
  if (!why.empty()) throw InputError("deepen", why);
  if (r.op != Op::Conv && r.op != Op::MBConv)
    throw InputError("deepen",
                     "an identity " + std::string(op_name(r.op)) + ": conv or mbconv only");
  if (r.k < 1 || r.k % 2 == 0)
    throw InputError("deepen", fmt::format("kernel {}: an odd size keeps the shape", r.k));
  const ArchStats st = analyze(parent);
  const int a = r.after, c = st.layers[std::size_t(a)].out.c;
  Layer l = Layer::make(r.op);
  l.out = c;
  l.k = r.k;
  if (r.op == Op::Conv) {
    // The ReLU is the identity only on what a ReLU already made non-negative.
    l.act = output_kinds(parent, st).nonneg[std::size_t(a)] ? Act::Relu : Act::None;
  } else {
    l.e = r.e;
  }
  Grown g{parent, {}, ""};
  g.arch.layers.insert(g.arch.layers.begin() + a + 1, l);
  for (std::size_t i = std::size_t(a) + 2; i < g.arch.layers.size(); ++i)
    for (int& j : g.arch.layers[i].inputs)
      if (j >= a) ++j;  // readers of `after` now read the new layer
  const std::string prefix = "layers.";
  for (const auto& [name, t] : weights) {
    std::size_t dot = name.find('.', prefix.size());
    const int i = std::stoi(name.substr(prefix.size(), dot - prefix.size()));
    g.weights[i > a ? fmt::format("layers.{}{}", i + 1, name.substr(dot)) : name] = t;
  }
  const int n = a + 1;
  const torch::Tensor mu = mean.defined() ? mean.detach().clone() : torch::zeros({c});
  const torch::Tensor v = var.defined() ? var.detach().clone() : torch::ones({c});
  if (r.op == Op::Conv) {
    auto w = torch::zeros({c, c, r.k, r.k});
    for (int i = 0; i < c; ++i) w[i][i][r.k / 2][r.k / 2] = 1.0f;
    g.weights[key(n, "conv.weight")] = w;
    g.weights[key(n, "bn.weight")] = torch::sqrt(v + 1e-5);  // BatchNorm2d's default eps
    g.weights[key(n, "bn.bias")] = mu;
    g.weights[key(n, "bn.running_mean")] = mu.clone();
    g.weights[key(n, "bn.running_var")] = v.clone();
  } else {
    // The residual carries the input; the block adds zero until it learns.
    g.weights[key(n, "project_bn.weight")] = torch::zeros({c});
    g.weights[key(n, "project_bn.bias")] = torch::zeros({c});
  }
  g.what = fmt::format("deepen after {} with {}", layer_name(parent, a), layer_summary(l));
  return g;
}

}  // namespace hwnas
