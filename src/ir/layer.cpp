#include "hwnas/ir/layer.h"

#include <cmath>

#include "hwnas/common/text.h"
#include "hwnas/ir/arch.h"

namespace hwnas {

const std::vector<std::string>& op_names() {
  static const std::vector<std::string> names = {
      "conv", "mbconv", "skip", "zero", "maxpool", "avgpool", "gap",      "linear",    "dropout",
      "add",  "concat", "bn",   "none", "sepconv", "dilconv", "factconv", "factreduce"};
  return names;
}
const std::vector<std::string>& act_names() {
  static const std::vector<std::string> names = {"none", "relu", "relu6", "hswish"};
  return names;
}
std::string_view op_name(Op op) {
  return op_names()[static_cast<int>(op)];
}
std::string_view act_name(Act act) {
  return act_names()[static_cast<int>(act)];
}

Layer Layer::make(Op op) {
  Layer l;
  l.op = op;
  l.act = op == Op::MBConv ? Act::Relu6 : (op == Op::Add || op == Op::BN) ? Act::None : Act::Relu;
  if (op == Op::DilConv) l.dilation = 2;
  return l;
}

int Layer::stride_or_default() const {
  if (stride > 0) return stride;
  return (op == Op::MaxPool || op == Op::AvgPool) ? k : 1;
}

bool Layer::operator==(const Layer& o) const {
  return op == o.op && out == o.out && k == o.k && stride_or_default() == o.stride_or_default() &&
         groups == o.groups && dilation == o.dilation && bn == o.bn && act == o.act && e == o.e &&
         shuffle == o.shuffle && has_expand() == o.has_expand() && se == o.se &&
         residual == o.residual && p == o.p && has_bias() == o.has_bias() && preact == o.preact &&
         pad == o.pad && (!multi_input() || inputs.size() == o.inputs.size());
}

int mbconv_mid(int in, double e) {
  return static_cast<int>(std::lround(in * e));
}

int se_width(int mid) {
  // torchvision's _make_divisible(mid / 4, 8): nearest multiple of 8, never
  // below 8 nor more than 10% under the exact value.
  double v = mid / 4.0;
  int d = 8;
  int r = std::max(d, int(v + d / 2.0) / d * d);
  if (r < 0.9 * v) r += d;
  return r;
}

bool has_kernel(Op op) {
  switch (op) {
    case Op::Conv:
    case Op::MBConv:
    case Op::MaxPool:
    case Op::AvgPool:
    case Op::SepConv:
    case Op::DilConv:
    case Op::FactConv:
      return true;
    default:
      return false;
  }
}

bool has_out(Op op) {
  switch (op) {
    case Op::MaxPool:
    case Op::AvgPool:
    case Op::Gap:
    case Op::Dropout:
    case Op::Add:
    case Op::Concat:
    case Op::BN:
      return false;
    default:
      return true;
  }
}

bool has_act(Op op) {
  return op == Op::Conv || op == Op::MBConv || op == Op::Add || op == Op::BN;
}

std::string layer_summary(const Layer& l) {
  std::string s(op_name(l.op));
  auto add = [&](const std::string& x) { s += " " + x; };
  if (has_kernel(l.op)) add("k" + std::to_string(l.k));
  if (l.preact) add("preact");
  if (l.op == Op::MBConv) add("e" + format_number(l.e));
  const bool pool = l.op == Op::MaxPool || l.op == Op::AvgPool;
  if (l.stride_or_default() != (pool ? l.k : 1)) add("s" + std::to_string(l.stride_or_default()));
  if (l.groups != 1) add("g" + std::to_string(l.groups));
  if (l.dilation != Layer::make(l.op).dilation) add("d" + std::to_string(l.dilation));
  if (l.pad != 0) add("pad" + std::to_string(l.pad));
  if (l.op == Op::Conv && l.has_bias() == l.bn) add(l.bias.value_or(false) ? "bias" : "nobias");
  if (l.multi_input()) add("x" + std::to_string(l.inputs.size()));
  if (l.shuffle) add("shuffle");
  if (l.se) add("se");
  if (has_act(l.op) && l.act != Layer::make(l.op).act) add(std::string(act_name(l.act)));
  if (l.op == Op::Dropout) add("p" + format_number(l.p));
  return s;
}

bool Arch::operator==(const Arch& o) const {
  return name == o.name && input == o.input && num_classes == o.num_classes &&
         preprocess == o.preprocess && layers == o.layers && space == o.space &&
         genotype == o.genotype;
}

}  // namespace hwnas
