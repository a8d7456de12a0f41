#pragma once
// One layer of a network: an op, its fields, and the earlier layers it reads
// (docs/architecture.md's arch JSON contract).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hwnas {

enum class Op {
  Conv,
  MBConv,
  Skip,
  Zero,
  MaxPool,
  AvgPool,
  Gap,
  Linear,
  Dropout,
  Add,         ///< element-wise sum of its inputs (same shapes), then `act`
  Concat,      ///< its inputs joined along channels (same spatial size)
  BN,          ///< standalone batch norm, then `act`
  None,        ///< NAS-Bench-201's `none`: an edge whose output is all zeros
  SepConv,     ///< DARTS sep_conv: (ReLU, dw kxk, pw 1x1, BN) twice, the first with the stride
  DilConv,     ///< DARTS dil_conv: ReLU, dilated dw kxk, pw 1x1, BN
  FactConv,    ///< DARTS conv_7x1_1x7: ReLU, conv 1xk, conv kx1, BN
  FactReduce,  ///< DARTS FactorizedReduce: ReLU, two stride-2 1x1 convs offset by a pixel, concat,
               ///< BN
};
enum class Act { None, Relu, Relu6, HSwish };

std::string_view op_name(Op);
std::string_view act_name(Act);
/// All op names, in the order of the enum (for messages).
const std::vector<std::string>& op_names();
const std::vector<std::string>& act_names();

struct Shape {
  int c = 0, h = 0, w = 0;
  std::int64_t numel() const { return std::int64_t(c) * h * w; }
  bool operator==(const Shape& o) const { return c == o.c && h == o.h && w == o.w; }
  bool operator!=(const Shape& o) const { return !(*this == o); }
};

struct Layer {
  Op op = Op::Conv;
  /// Indices of the earlier layers this one reads; -1 is the network input.
  /// Empty: the previous layer (the network input for layer 0).
  std::vector<int> inputs;
  int out = 0;                   ///< Output channels / features. 0: same as the input (skip, zero).
  int k = 0;                     ///< Kernel size (conv, mbconv, pools).
  int stride = 0;                ///< 0: the op's default (pools: k; others: 1).
  int groups = 1;                ///< conv: groups; mbconv: grouping of both 1x1 convs.
  int dilation = 1;              ///< conv only.
  bool bn = true;                ///< conv only.
  std::optional<bool> bias;      ///< conv only. Default: !bn.
  bool preact = false;           ///< conv only: `act` before the conv (ReLU-Conv-BN order).
  int pad = 0;                   ///< pools only; avgpool never counts the padding.
  Act act = Act::Relu;           ///< conv/skip relu, mbconv relu6, add/bn none.
  double e = 1;                  ///< mbconv expansion ratio; mid = round(in * e).
  bool shuffle = false;          ///< mbconv: channel shuffle after the grouped expand conv.
  std::optional<bool> expand;    ///< mbconv: keep the 1x1 expand conv. Default: e != 1.
  bool se = false;               ///< mbconv: squeeze-excite after the depthwise conv.
  std::optional<bool> residual;  ///< mbconv: default stride == 1 && in == out.
  double p = 0;                  ///< dropout probability.

  /// A layer of `op` with that op's defaults.
  static Layer make(Op op);
  int stride_or_default() const;
  bool has_expand() const { return expand.value_or(e != 1.0); }
  bool has_bias() const { return bias.value_or(!bn); }
  /// add and concat read two or more inputs; every other op reads one.
  bool multi_input() const { return op == Op::Add || op == Op::Concat; }
  bool operator==(const Layer& o) const;
  bool operator!=(const Layer& o) const { return !(*this == o); }
};

/// Whether an op has a kernel size `k` / an `act` field / an `out` width.
bool has_kernel(Op op);
bool has_act(Op op);
bool has_out(Op op);

/// Short human form: "mbconv k5 e3 s2", "conv k3 s2 relu6", "zero".
std::string layer_summary(const Layer& l);

/// MBConv's hidden width: round(in * e).
int mbconv_mid(int in, double e);
/// Squeeze-excite width, as MobileNetV3 makes it: mid / 4 rounded to a multiple of 8.
int se_width(int mid);

}  // namespace hwnas
