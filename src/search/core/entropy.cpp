#include "hwnas/search/entropy.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hwnas {

namespace {

constexpr double kCut = -std::numeric_limits<double>::infinity();

double log_sum_exp(const std::vector<double>& v) {
  double hi = kCut;
  for (double x : v) hi = std::max(hi, x);
  if (hi == kCut) return kCut;
  double s = 0;
  for (double x : v) s += std::exp(x - hi);
  return hi + std::log(s);
}

double ln(double x) {
  return std::log(x);
}

// The log amplification through one single-input layer on input `in`.
double layer_gain(const Layer& l, const Shape& in, const Shape& out) {
  const double kk = double(l.k) * l.k;
  switch (l.op) {
    case Op::Conv:
      return ln(double(in.c / l.groups) * kk);
    case Op::MBConv: {
      const int mid = mbconv_mid(in.c, l.e);
      double g = ln(kk) + ln(double(mid / l.groups));  // depthwise, project
      if (l.has_expand()) g += ln(double(in.c / l.groups));
      return g;
    }
    case Op::Skip:
      return out == in ? 0.0 : ln(in.c);  // a projection is a 1x1 conv
    case Op::SepConv:
      return 2 * (ln(kk) + ln(in.c));
    case Op::DilConv:
      return ln(kk) + ln(in.c);
    case Op::FactConv:
      return ln(double(in.c) * l.k) + ln(double(l.out) * l.k);
    case Op::FactReduce:
      return ln(in.c);
    case Op::Linear:
      return ln(double(in.numel()));
    case Op::Gap:
      return ln(double(in.h) * in.w);
    case Op::Zero:
    case Op::None:
      return kCut;
    default:  // pools, BN, dropout: no weights to amplify
      return 0.0;
  }
}

}  // namespace

double structural_entropy(const Arch& arch) {
  const auto shapes = infer_shapes(arch);  // validates
  std::vector<double> h(arch.layers.size());
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const Layer& l = arch.layers[i];
    const auto ins = layer_inputs(arch, i);
    std::vector<double> in_h;
    for (int j : ins) in_h.push_back(j < 0 ? 0.0 : h[std::size_t(j)]);
    if (l.op == Op::Add) {
      h[i] = log_sum_exp(in_h);
    } else if (l.op == Op::Concat) {
      // each part weighs by its share of the channels
      double total = 0;
      for (int j : ins) total += j < 0 ? arch.input.c : shapes[std::size_t(j)].out.c;
      for (std::size_t k = 0; k < ins.size(); ++k) {
        const int j = ins[k];
        in_h[k] += ln((j < 0 ? arch.input.c : shapes[std::size_t(j)].out.c) / total);
      }
      h[i] = log_sum_exp(in_h);
    } else {
      const double g = layer_gain(l, shapes[i].in, shapes[i].out);
      h[i] = in_h.at(0) == kCut || g == kCut ? kCut : in_h[0] + g;
      if (l.op == Op::MBConv && mbconv_residual(l, shapes[i].in))
        h[i] = log_sum_exp({in_h[0], h[i]});
    }
  }
  return h.back() == kCut ? kNoPathScore : h.back();
}

}  // namespace hwnas
