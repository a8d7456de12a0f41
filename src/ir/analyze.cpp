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
      out.h = in.h >= l.k ? (in.h - l.k) / s + 1 : 0;
      out.w = in.w >= l.k ? (in.w - l.k) / s + 1 : 0;
      break;
    case Op::Gap:
      out = {in.c, 1, 1};
      break;
    case Op::Linear:
      out = {l.out, 1, 1};
      break;
    case Op::Dropout:
      break;
  }
  if (out.h < 1 || out.w < 1)
    fail(place, l,
         fmt::format("the feature map vanishes: input {}x{}x{} gives {}x{}", in.c, in.h, in.w,
                     out.h, out.w));
  return out;
}

LayerStats layer_stats(const Layer& l, const Shape& in, int batch) {
  LayerStats st;
  st.in = in;
  st.out = infer_shape(l, in, "layer");
  const Shape& o = st.out;
  const std::int64_t hw_out = std::int64_t(o.h) * o.w, hw_in = std::int64_t(in.h) * in.w;
  std::int64_t live = in.numel() + o.numel();  // elements live while the layer runs
  switch (l.op) {
    case Op::Conv: {
      std::int64_t w = std::int64_t(in.c / l.groups) * l.out * l.k * l.k;
      st.macs = w * hw_out;
      st.params = w + (l.bn ? 2 * l.out : l.out);
      st.other_ops = (l.bn ? o.numel() : 0) + (l.act != Act::None ? o.numel() : 0);
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
  }
  st.peak_bytes = live * 4 * batch;
  return st;
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

ArchStats analyze(const Arch& a, int batch) {
  check_arch_level(a);
  ArchStats st;
  st.batch = batch;
  st.layers.reserve(a.layers.size());
  Shape s = a.input;
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    infer_shape(a.layers[i], s, fmt::format("layers[{}]", i));  // errors with the place
    LayerStats ls = layer_stats(a.layers[i], s, batch);
    st.macs += ls.macs;
    st.params += ls.params;
    st.other_ops += ls.other_ops;
    st.peak_activation_bytes = std::max(st.peak_activation_bytes, ls.peak_bytes);
    s = ls.out;
    st.layers.push_back(ls);
  }
  return st;
}

Totals count_totals(const Arch& a) {
  Totals t;
  Shape s = a.input;
  for (const auto& l : a.layers) {
    LayerStats ls = layer_stats(l, s, 1);
    t.macs += ls.macs;
    t.params += ls.params;
    s = ls.out;
  }
  return t;
}

}  // namespace hwnas
