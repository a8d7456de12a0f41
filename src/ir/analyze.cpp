#include <algorithm>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/ir/arch.h"

namespace hwnas {

namespace {

// Spatial size after a conv with "same"-style padding dilation * (k - 1) / 2.
int conv_out(int size, int k, int stride, int dilation) {
  int pad = dilation * (k - 1) / 2;
  return (size + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
}

[[noreturn]] void fail(const std::string& place, const Layer& l, const std::string& msg) {
  throw InputError(fmt::format("{} ({})", place, op_name(l.op)), msg);
}

void check_groups(const std::string& place, const Layer& l, int in, int mid, int out) {
  if (in % l.groups != 0 || out % l.groups != 0 || mid % l.groups != 0)
    fail(place, l,
         fmt::format("groups = {} must divide the input ({}), hidden ({}) and output ({}) channels",
                     l.groups, in, mid, out));
}

}  // namespace

bool mbconv_residual(const Layer& l, const Shape& in) {
  return l.residual.value_or(l.stride_or_default() == 1 && in.c == l.out);
}

Shape infer_shape(const Layer& l, const Shape& in, const std::string& place) {
  const int s = l.stride_or_default();
  Shape out = in;
  switch (l.op) {
    case Op::Conv: {
      check_groups(place, l, in.c, l.out, l.out);
      out = {l.out, conv_out(in.h, l.k, s, l.dilation), conv_out(in.w, l.k, s, l.dilation)};
      break;
    }
    case Op::MBConv: {
      int mid = mbconv_mid(in.c, l.e);
      if (mid < 1) fail(place, l, fmt::format("e = {} leaves no hidden channels", l.e));
      if (!l.has_expand() && mid != in.c)
        fail(place, l, "expand: false needs e = 1 (without the expand conv, hidden = input)");
      check_groups(place, l, in.c, mid, l.out);
      if (l.shuffle && l.groups == 1) fail(place, l, "shuffle: true needs groups > 1");
      out = {l.out, conv_out(in.h, l.k, s, 1), conv_out(in.w, l.k, s, 1)};
      if (l.residual.value_or(false) && (s != 1 || in.c != l.out))
        fail(place, l,
             fmt::format("residual: true needs stride 1 and out = in (stride {}, in {}, out {})", s,
                         in.c, l.out));
      break;
    }
    case Op::Skip: {
      int o = l.out > 0 ? l.out : in.c;
      out = {o, conv_out(in.h, 1, s, 1), conv_out(in.w, 1, s, 1)};
      break;
    }
    case Op::Zero:
      if (s != 1 || (l.out > 0 && l.out != in.c))
        fail(place, l,
             fmt::format("zero drops the layer, so it needs stride 1 and out = in ({}); got "
                         "stride {}, out {}",
                         in.c, s, l.out > 0 ? l.out : in.c));
      break;
    case Op::MaxPool:
    case Op::AvgPool:
      if (2 * l.pad > l.k)
        fail(place, l, fmt::format("pad = {} exceeds half the kernel ({})", l.pad, l.k));
      out.h = in.h + 2 * l.pad >= l.k ? (in.h + 2 * l.pad - l.k) / s + 1 : 0;
      out.w = in.w + 2 * l.pad >= l.k ? (in.w + 2 * l.pad - l.k) / s + 1 : 0;
      break;
    case Op::Gap:
      out = {in.c, 1, 1};
      break;
    case Op::Linear:
      out = {l.out, 1, 1};
      break;
    case Op::Dropout:
    case Op::Add:
    case Op::Concat:
    case Op::BN:
      break;
    case Op::None: {
      int o = l.out > 0 ? l.out : in.c;
      out = {o, conv_out(in.h, 1, s, 1), conv_out(in.w, 1, s, 1)};
      break;
    }
    case Op::SepConv:
    case Op::DilConv:
    case Op::FactConv:
      out = {l.out, conv_out(in.h, l.k, s, l.dilation), conv_out(in.w, l.k, s, l.dilation)};
      break;
    case Op::FactReduce:
      if (l.out % 2 != 0) fail(place, l, fmt::format("out = {} must be even", l.out));
      if (in.h % 2 != 0 || in.w % 2 != 0)
        fail(place, l, fmt::format("needs an even height and width, got {}x{}", in.h, in.w));
      out = {l.out, in.h / 2, in.w / 2};
      break;
  }
  if (out.h < 1 || out.w < 1)
    fail(place, l,
         fmt::format("the feature map vanishes: input {}x{}x{} gives {}x{}", in.c, in.h, in.w,
                     out.h, out.w));
  // Bounds every count of the layer (channels^2 x kernel x pixels, with room
  // for an op's several convs), so that the totals of 1e5 such layers fit in
  // 64 bits: a hostile arch gets this error, not negative MACs.
  const double c_max = std::max({double(in.c), double(out.c), in.c * std::max(l.e, 1.0)});
  const double hw_max = std::max(double(in.h) * in.w, double(out.h) * out.w);
  if (c_max * c_max * (double(l.k) * l.k + 1) * hw_max * 4 > kMaxLayerWork)
    fail(place, l,
         fmt::format("input {}x{}x{} to {}x{}x{} is too large to count: over {:.3g} "
                     "multiply-accumulates",
                     in.c, in.h, in.w, out.c, out.h, out.w, kMaxLayerWork / 4));
  return out;
}

namespace {

// Counts of `l` from `in` to `out` (out = infer_shape(l, in)).
LayerStats stats_at(const Layer& l, const Shape& in, const Shape& out, int batch) {
  LayerStats st;
  st.in = in;
  st.out = out;
  const Shape& o = st.out;
  const std::int64_t hw_out = std::int64_t(o.h) * o.w, hw_in = std::int64_t(in.h) * in.w;
  std::int64_t live = in.numel() + o.numel();  // elements live while the layer runs
  switch (l.op) {
    case Op::Conv: {
      std::int64_t w = std::int64_t(in.c / l.groups) * l.out * l.k * l.k;
      st.macs = w * hw_out;
      st.params = w + (l.bn ? 2 * l.out : 0) + (l.has_bias() ? l.out : 0);
      const std::int64_t act_n = l.preact ? in.numel() : o.numel();
      st.other_ops = (l.bn ? o.numel() : 0) + (l.act != Act::None ? act_n : 0);
      if (l.preact && l.act != Act::None) live += in.numel();  // the activated copy
      break;
    }
    case Op::MBConv: {
      const int mid = mbconv_mid(in.c, l.e), g = l.groups;
      const bool res = mbconv_residual(l, in);
      const std::int64_t mid_in = mid * hw_in, mid_out = mid * hw_out;
      const std::int64_t keep = res ? in.numel() : 0;
      live = 0;
      if (l.has_expand()) {
        st.macs += std::int64_t(in.c / g) * mid * hw_in;
        st.params += std::int64_t(in.c / g) * mid + 2 * mid;
        st.other_ops += 2 * mid_in;
        live = in.numel() + mid_in;
      }
      st.macs += std::int64_t(mid) * l.k * l.k * hw_out;
      st.params += std::int64_t(mid) * l.k * l.k + 2 * mid;
      st.other_ops += 2 * mid_out;
      // Without the expand conv the depthwise input is the block input itself.
      live = std::max(live, (l.has_expand() ? keep + mid_in : in.numel()) + mid_out);
      if (l.se) {
        const std::int64_t s = se_width(mid);
        st.macs += 2 * s * mid;
        st.params += 2 * s * mid + s + mid;
        st.other_ops += mid_out /*pool*/ + s + mid /*acts*/ + mid_out /*scale*/;
      }
      st.macs += std::int64_t(mid / g) * l.out * hw_out;
      st.params += std::int64_t(mid / g) * l.out + 2 * l.out;
      st.other_ops += o.numel() + (res ? o.numel() : 0);
      live = std::max(live, keep + mid_out + o.numel());
      break;
    }
    case Op::Skip:
      if (o != in) {
        st.macs = std::int64_t(in.c) * o.c * hw_out;
        st.params = std::int64_t(in.c) * o.c + 2 * o.c;
        st.other_ops = 2 * o.numel();
      } else {
        live = in.numel();
      }
      break;
    case Op::Zero:
    case Op::Dropout:
      live = in.numel();
      break;
    case Op::MaxPool:
    case Op::AvgPool:
      st.other_ops = o.numel() * l.k * l.k;
      break;
    case Op::Gap:
      st.other_ops = in.numel();
      break;
    case Op::Linear:
      st.macs = in.numel() * l.out;
      st.params = in.numel() * l.out + l.out;
      st.other_ops = l.out;
      break;
    case Op::Add: {
      const std::int64_t n = std::max<std::int64_t>(l.inputs.size(), 1);
      st.other_ops = (n - 1) * o.numel() + (l.act != Act::None ? o.numel() : 0);
      live = n * in.numel() + o.numel();
      break;
    }
    case Op::Concat:  // a copy: no arithmetic
      break;
    case Op::BN:
      st.params = 2 * in.c;
      st.other_ops = o.numel() + (l.act != Act::None ? o.numel() : 0);
      break;
    case Op::None:
      break;
    case Op::SepConv:
    case Op::DilConv: {
      // One or two (ReLU, depthwise, pointwise, BN) units; the first has the
      // stride and the last the output width.
      const int units = l.op == Op::SepConv ? 2 : 1;
      const std::int64_t c = in.c, kk = std::int64_t(l.k) * l.k, mid = c * hw_out;
      st.other_ops = in.numel();  // the first ReLU
      live = 2 * in.numel() + mid;
      for (int u = 0; u < units; ++u) {
        const std::int64_t co = u + 1 == units ? l.out : c;
        st.macs += c * kk * hw_out + c * co * hw_out;
        st.params += c * kk + c * co + 2 * co;
        st.other_ops += co * hw_out * (u + 1 == units ? 1 : 2);  // BN (+ the next ReLU)
        live = std::max(live, in.numel() + mid + co * hw_out);
      }
      break;
    }
    case Op::FactConv: {
      // ReLU, 1xk (stride along w) to out, kx1 (stride along h), BN.
      const std::int64_t mid = std::int64_t(l.out) * in.h * o.w;
      st.macs = std::int64_t(in.c) * l.k * mid + std::int64_t(l.out) * l.k * o.numel();
      st.params = std::int64_t(in.c) * l.out * l.k + std::int64_t(l.out) * l.out * l.k + 2 * l.out;
      st.other_ops = in.numel() + o.numel();
      live = std::max(2 * in.numel() + mid, in.numel() + mid + o.numel());
      break;
    }
    case Op::FactReduce: {
      st.macs = std::int64_t(in.c) * o.numel();  // two convs, each to half the channels
      st.params = std::int64_t(in.c) * l.out + 2 * l.out;
      st.other_ops = in.numel() + o.numel();
      live = 2 * in.numel() + 2 * o.numel();
      break;
    }
  }
  st.peak_bytes = live * 4 * batch;
  return st;
}

}  // namespace

LayerStats layer_stats(const Layer& l, const Shape& in, int batch) {
  return stats_at(l, in, infer_shape(l, in, "layer"), batch);
}

namespace {

void check_arch_level(const Arch& a) {
  if (a.input.c < 1 || a.input.h < 1 || a.input.w < 1)
    throw InputError("input", "expected positive channels, height and width");
  if (a.num_classes < 1) throw InputError("num_classes", "expected a positive integer");
  if (a.layers.empty()) throw InputError("layers", "expected at least one layer");
  if (a.preprocess) {
    const auto& p = *a.preprocess;
    if (int(p.mean.size()) != a.input.c || int(p.std.size()) != a.input.c)
      throw InputError(
          "preprocess",
          fmt::format("mean and std need one value per input channel ({}), got {} and {}",
                      a.input.c, p.mean.size(), p.std.size()));
    for (double s : p.std)
      if (!(s > 0)) throw InputError("preprocess.std", "every std must be > 0");
  }
  const Layer& last = a.layers.back();
  if (last.op == Op::Linear && last.out != a.num_classes)
    throw InputError(
        fmt::format("layers[{}] (linear)", a.layers.size() - 1),
        fmt::format("the final linear has out = {} but num_classes = {}", last.out, a.num_classes));
}

}  // namespace

std::vector<int> layer_inputs(const Arch& a, std::size_t i) {
  if (!a.layers[i].inputs.empty()) return a.layers[i].inputs;
  return {int(i) - 1};
}

namespace {

std::string shape_text(const Shape& s) {
  return fmt::format("{}x{}x{}", s.c, s.h, s.w);
}

std::string source_name(int j) {
  return j < 0 ? "the network input" : fmt::format("layers[{}]", j);
}

// The input layer i sees, from the outputs before it (`out_of(j)`, j = -1 the
// network input); checks the wiring. Allocation-free: the search hot path.
template <class OutOf>
Shape join_inputs(const Arch& a, std::size_t i, const OutOf& out_of) {
  const Layer& l = a.layers[i];
  auto place = [&] { return fmt::format("layers[{}] ({})", i, op_name(l.op)); };
  if (l.inputs.empty()) {
    if (l.multi_input())
      throw InputError(place(), "needs `inputs`: the indices of two or more earlier layers");
    return out_of(int(i) - 1);
  }
  if (l.multi_input() ? l.inputs.size() < 2 : l.inputs.size() != 1)
    throw InputError(place(), fmt::format("{} reads {}, but `inputs` names {}", op_name(l.op),
                                          l.multi_input() ? "two or more layers" : "one layer",
                                          l.inputs.size()));
  Shape joined;
  for (std::size_t k = 0; k < l.inputs.size(); ++k) {
    const int j = l.inputs[k];
    if (j < -1 || j >= int(i))
      throw InputError(place(),
                       fmt::format("inputs[{}] = {} is not an earlier layer: a layer reads -1 "
                                   "(the network input) or layers 0..{}",
                                   k, j, int(i) - 1));
    const Shape s = out_of(j);
    if (k == 0) {
      joined = s;
    } else if (l.op == Op::Add && s != joined) {
      throw InputError(place(), fmt::format("add of mismatched shapes: {} gives {}, {} gives {}",
                                            source_name(l.inputs[0]), shape_text(joined),
                                            source_name(j), shape_text(s)));
    } else if (l.op == Op::Concat) {
      if (s.h != joined.h || s.w != joined.w)
        throw InputError(
            place(),
            fmt::format("concat of mismatched sizes: {} gives {}x{}, {} gives {}x{}",
                        source_name(l.inputs[0]), joined.h, joined.w, source_name(j), s.h, s.w));
      joined.c += s.c;
    }
  }
  return joined;
}

template <class Visit>
void walk(const Arch& a, std::vector<Shape>& outs, const Visit& visit) {
  outs.resize(a.layers.size());
  auto out_of = [&](int j) { return j < 0 ? a.input : outs[j]; };
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const Shape in = join_inputs(a, i, out_of);
    try {
      outs[i] = infer_shape(a.layers[i], in, "");
    } catch (const InputError&) {  // again, naming the layer (kept off the hot path)
      infer_shape(a.layers[i], in, fmt::format("layers[{}]", i));
      throw;
    }
    visit(i, in, outs[i]);
  }
}

}  // namespace

Shape joined_input(const Arch& a, std::size_t i, const std::vector<Shape>& outs) {
  return join_inputs(a, i, [&](int j) { return j < 0 ? a.input : outs[j]; });
}

std::vector<LayerShapes> infer_shapes(const Arch& a) {
  std::vector<LayerShapes> r;
  r.reserve(a.layers.size());
  std::vector<Shape> outs;
  walk(a, outs, [&](std::size_t, const Shape& in, const Shape& out) { r.push_back({in, out}); });
  return r;
}

ArchStats analyze(const Arch& a, int batch) {
  check_arch_level(a);
  ArchStats st;
  st.batch = batch;
  st.layers.reserve(a.layers.size());
  std::vector<Shape> outs;
  walk(a, outs, [&](std::size_t i, const Shape& in, const Shape& out) {
    LayerStats ls = stats_at(a.layers[i], in, out, batch);
    ls.inputs = layer_inputs(a, i);
    st.macs += ls.macs;
    st.params += ls.params;
    st.other_ops += ls.other_ops;
    st.layers.push_back(std::move(ls));
  });
  // Liveness: an output stays in memory from its layer to its last reader, so
  // a layer's peak also holds every earlier output read after it.
  const std::size_t n = a.layers.size();
  std::vector<int> last_reader(n + 1, -1);  // slot 0: the network input
  for (std::size_t i = 0; i < n; ++i)
    for (int j : st.layers[i].inputs) last_reader[j + 1] = std::max(last_reader[j + 1], int(i));
  for (std::size_t i = 0; i < n; ++i) {
    auto& ls = st.layers[i];
    for (int j = -1; j < int(i); ++j) {
      const bool read_here = std::find(ls.inputs.begin(), ls.inputs.end(), j) != ls.inputs.end();
      if (last_reader[j + 1] > int(i) && !read_here)
        ls.peak_bytes += (j < 0 ? a.input : outs[j]).numel() * 4 * batch;
    }
    st.peak_activation_bytes = std::max(st.peak_activation_bytes, ls.peak_bytes);
  }
  return st;
}

Totals count_totals(const Arch& a) {
  Totals t;
  thread_local std::vector<Shape> outs;
  walk(a, outs, [&](std::size_t i, const Shape& in, const Shape& out) {
    LayerStats ls = stats_at(a.layers[i], in, out, 1);
    t.macs += ls.macs;
    t.params += ls.params;
  });
  return t;
}

}  // namespace hwnas
