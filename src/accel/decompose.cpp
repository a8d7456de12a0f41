#include "hwnas/accel/analysis.h"

namespace hwnas::accel {

namespace {

/// A convolution of `cin` -> `cout` channels in `groups` groups, producing
/// `out`. One channel per group is depthwise; other groups run one by one.
/// `kh` x `kw` kernels (square unless given).
Primitive conv(const char* what, int batch, int cin, int cout, int groups, int k, int stride,
               int dilation, const Shape& out, int kw = 0) {
  Primitive p;
  p.what = what;
  p.stride = stride;
  p.dilation = dilation;
  const int r = k, s = kw > 0 ? kw : k;
  if (groups > 1 && groups == cin && cout == cin) {
    p.kind = Primitive::Kind::Depthwise;
    p.dims = {batch, 1, cin, out.h, out.w, r, s};
  } else {
    p.dims = {batch, cout / groups, cin / groups, out.h, out.w, r, s};
    p.repeat = groups;
  }
  return p;
}

Primitive memory(const char* what, std::int64_t in, std::int64_t out, int batch) {
  Primitive p;
  p.kind = Primitive::Kind::Memory;
  p.what = what;
  p.in_elems = in * batch;
  p.out_elems = out * batch;
  return p;
}

}  // namespace

Primitives decompose(const Layer& l, const Shape& in, int batch) {
  Primitives ps;
  const Shape out = infer_shape(l, in, "layer");
  const int s = l.stride_or_default();
  switch (l.op) {
    case Op::Conv:
      ps.add(conv("conv", batch, in.c, l.out, l.groups, l.k, s, l.dilation, out));
      break;
    case Op::MBConv: {
      const int mid = mbconv_mid(in.c, l.e);
      const Shape hidden_out{mid, out.h, out.w};
      if (l.has_expand())
        ps.add(conv("expand", batch, in.c, mid, l.groups, 1, 1, 1, {mid, in.h, in.w}));
      ps.add(conv("depthwise", batch, mid, mid, mid, l.k, s, 1, hidden_out));
      if (l.se) {
        const int w = se_width(mid);
        // Pooling the hidden map and scaling it by the gates: memory only.
        ps.add(memory("se-pool-scale", 2 * hidden_out.numel(), hidden_out.numel(), batch));
        ps.add(conv("se-reduce", batch, mid, w, 1, 1, 1, 1, {w, 1, 1}));
        ps.add(conv("se-expand", batch, w, mid, 1, 1, 1, 1, {mid, 1, 1}));
      }
      ps.add(conv("project", batch, mid, l.out, l.groups, 1, 1, 1, out));
      if (mbconv_residual(l, in)) ps.add(memory("add", 2 * out.numel(), out.numel(), batch));
      break;
    }
    case Op::Skip:
      if (out != in) ps.add(conv("project", batch, in.c, out.c, 1, 1, s, 1, out));
      break;
    case Op::MaxPool:
    case Op::AvgPool:
      ps.add(memory("pool", in.numel(), out.numel(), batch));
      break;
    case Op::Gap:
      ps.add(memory("pool", in.numel(), in.c, batch));
      break;
    case Op::Linear:
      ps.add(conv("linear", batch, int(in.numel()), l.out, 1, 1, 1, 1, {l.out, 1, 1}));
      break;
    case Op::Zero:
    case Op::Dropout:
    case Op::None:
      break;
    // Joining tensors and standalone BN move data and do no MACs.
    case Op::Add:
      ps.add(memory("add", std::int64_t(l.inputs.size()) * in.numel(), out.numel(), batch));
      break;
    case Op::Concat:
      ps.add(memory("concat", in.numel(), out.numel(), batch));
      break;
    case Op::BN:
      ps.add(memory("bn", in.numel(), out.numel(), batch));
      break;
    case Op::SepConv:
    case Op::DilConv: {
      const Shape mid{in.c, out.h, out.w};
      ps.add(conv("depthwise", batch, in.c, in.c, in.c, l.k, s, l.dilation, mid));
      if (l.op == Op::SepConv) {
        ps.add(conv("pointwise", batch, in.c, in.c, 1, 1, 1, 1, mid));
        ps.add(conv("depthwise", batch, in.c, in.c, in.c, l.k, 1, l.dilation, mid));
      }
      ps.add(conv("pointwise", batch, in.c, l.out, 1, 1, 1, 1, out));
      break;
    }
    case Op::FactConv:
      // The 1xk conv strides along the width only; modelled at the output's rows.
      ps.add(conv("conv-1xk", batch, in.c, l.out, 1, 1, 1, 1, {l.out, in.h, out.w}, l.k));
      ps.add(conv("conv-kx1", batch, l.out, l.out, 1, l.k, s, 1, out, 1));
      break;
    case Op::FactReduce: {
      const Shape half{l.out / 2, out.h, out.w};
      ps.add(conv("conv", batch, in.c, l.out / 2, 1, 1, 2, 1, half));
      ps.add(conv("conv", batch, in.c, l.out / 2, 1, 1, 2, 1, half));
      break;
    }
  }
  return ps;
}

}  // namespace hwnas::accel
