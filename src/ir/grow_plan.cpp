#include "hwnas/ir/grow_plan.h"

#include <fmt/format.h>

namespace hwnas {

std::string layer_name(const Arch& a, int i) {
  return fmt::format("layers[{}] ({})", i, op_name(a.layers[std::size_t(i)].op));
}

ChannelMap ChannelMap::identity(int c) {
  ChannelMap m;
  for (int i = 0; i < c; ++i) m.from.push_back(i), m.count.push_back(1);
  return m;
}

ChannelMap ChannelMap::flattened(int hw) const {
  ChannelMap m;
  for (auto f : from)
    for (int s = 0; s < hw; ++s) m.from.push_back(f * hw + s);
  for (int c : count)
    for (int s = 0; s < hw; ++s) m.count.push_back(c);
  return m;
}

ChannelMap draw_map(int old_width, int new_width, std::mt19937_64& rng) {
  ChannelMap m = ChannelMap::identity(old_width);
  std::uniform_int_distribution<int> pick(0, old_width - 1);
  for (int j = old_width; j < new_width; ++j) {
    const int o = pick(rng);
    m.from.push_back(o);
    ++m.count[o];
  }
  return m;
}

namespace {

// Why the output of `t` cannot get wider, or "".
std::string target_refusal(const Arch& a, const ArchStats& st, int t, WidenPart part) {
  const Layer& l = a.layers[t];
  const std::string name = layer_name(a, t);
  if (part == WidenPart::Mid) {
    if (l.op != Op::MBConv) return name + " has no expansion to widen (only mbconv has)";
    if (!l.has_expand()) return name + " has no expand conv (e = 1): its hidden width is its input";
    if (l.groups != 1) return name + " has grouped 1x1 convs";
    return "";
  }
  switch (l.op) {
    case Op::Conv:
      if (l.groups != 1) return name + " is a grouped conv: its units are not independent";
      return "";
    case Op::MBConv:
      if (mbconv_residual(l, st.layers[t].in))
        return name + " adds its input to its output: a wider output would not match it";
      if (l.groups != 1) return name + " has grouped 1x1 convs";
      return "";
    case Op::Linear:
      if (t + 1 == int(a.layers.size()))
        return name + " is the classifier: its width is the classes";
      return "";
    default:
      return name + " has no width of its own to widen (conv, mbconv and linear have)";
  }
}

}  // namespace

WidenPlan plan_widen(const Arch& a, int t, WidenPart part, int new_width, std::mt19937_64& rng) {
  WidenPlan p;
  const int n = int(a.layers.size());
  if (t < 0 || t >= n) {
    p.refusal = fmt::format("layers[{}] does not exist (the net has {} layers)", t, n);
    return p;
  }
  const ArchStats st = analyze(a);
  p.refusal = target_refusal(a, st, t, part);
  if (!p.refusal.empty()) return p;
  p.old_width = current_width(a, t, part);
  if (part == WidenPart::Mid) return p;  // the block's own convs take it all
  p.maps.resize(n);
  p.maps[t] = draw_map(p.old_width, std::max(new_width, p.old_width), rng);
  for (int r = t + 1; r < n && p.refusal.empty(); ++r) {
    const auto& ins = st.layers[r].inputs;
    bool widened = false;
    for (int j : ins) widened |= j >= 0 && p.maps[j].has_value();
    if (!widened) continue;
    const Layer& l = a.layers[r];
    const std::string name = layer_name(a, r);
    const auto& in_map = p.maps[ins[0]];
    auto refuse = [&](const std::string& why) {
      p.refusal =
          fmt::format("{} reads layers[{}]'s output, which would be wider, and {}", name, t, why);
    };
    switch (l.op) {
      case Op::MaxPool:
      case Op::AvgPool:
      case Op::Gap:
      case Op::Dropout:
      case Op::Zero:
        p.maps[r] = in_map;
        if (l.out > 0) p.resized.push_back(r);
        break;
      case Op::Skip:
      case Op::None:
        if (st.layers[r].in == st.layers[r].out || (l.op == Op::None && l.out == 0)) {
          p.maps[r] = in_map;
          if (l.out > 0) p.resized.push_back(r);
        } else if (l.op == Op::Skip) {
          p.readers.push_back(r);  // its 1x1 projection
        }
        break;
      case Op::BN:
        p.maps[r] = in_map;
        p.pass_bn.push_back(r);
        break;
      case Op::Concat: {
        ChannelMap m;
        int offset = 0;
        for (int j : ins) {
          const int c = j < 0 ? a.input.c : st.layers[j].out.c;
          const ChannelMap part_map = j >= 0 && p.maps[j] ? *p.maps[j] : ChannelMap::identity(c);
          for (auto f : part_map.from) m.from.push_back(f + offset);
          m.count.insert(m.count.end(), part_map.count.begin(), part_map.count.end());
          offset += c;
        }
        p.maps[r] = m;
        break;
      }
      case Op::Add: {
        bool alike = true;
        for (int j : ins) alike &= j >= 0 && p.maps[j] && *p.maps[j] == *in_map;
        if (!alike) {
          refuse("sums it with an input that would keep its width (widen them together)");
          break;
        }
        p.maps[r] = in_map;
        break;
      }
      case Op::Conv:
        if (l.groups != 1) refuse("is a grouped conv");
        p.readers.push_back(r);
        break;
      case Op::MBConv:
        if (mbconv_residual(l, st.layers[r].in))
          refuse("adds that input to its output");
        else if (!l.has_expand())
          refuse("has no expand conv: its depthwise conv reads the input");
        else if (l.groups != 1)
          refuse("has grouped 1x1 convs");
        p.readers.push_back(r);
        break;
      case Op::Linear:
      case Op::FactConv:
      case Op::FactReduce:
        p.readers.push_back(r);
        break;
      case Op::SepConv:
      case Op::DilConv:
        refuse("its depthwise conv has one filter per input channel");
        break;
    }
  }
  if (p.refusal.empty() && p.maps[n - 1])
    p.refusal = fmt::format("layers[{}]'s wider output reaches the network's output", t);
  return p;
}

OutputKinds output_kinds(const Arch& a, const ArchStats& st) {
  OutputKinds k;
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const Layer& l = a.layers[i];
    const auto& ins = st.layers[i].inputs;
    auto all = [&](const std::vector<bool>& v) {
      bool r = true;
      for (int j : ins) r = r && j >= 0 && v[std::size_t(j)];
      return r;
    };
    const bool relu = l.act == Act::Relu || l.act == Act::Relu6;
    bool nonneg = false, flat = false;
    switch (l.op) {
      case Op::Conv:
        nonneg = relu && !l.preact;
        break;
      case Op::Add:
      case Op::BN:
        nonneg = relu;
        break;
      case Op::Skip:
        nonneg = st.layers[i].in == st.layers[i].out ? all(k.nonneg) : relu;
        flat = all(k.flat);
        break;
      case Op::MaxPool:
      case Op::AvgPool:
      case Op::Gap:
      case Op::Concat:
        nonneg = all(k.nonneg);
        break;
      case Op::Dropout:
      case Op::Zero:
        nonneg = all(k.nonneg);
        flat = all(k.flat);
        break;
      case Op::Linear:
        flat = true;
        break;
      default:
        break;
    }
    k.nonneg.push_back(nonneg);
    k.flat.push_back(flat);
  }
  return k;
}

int current_width(const Arch& arch, int layer, WidenPart part) {
  const Layer& l = arch.layers.at(std::size_t(layer));
  if (part == WidenPart::Out) return l.out;
  const auto shapes = infer_shapes(arch);
  return mbconv_mid(shapes[std::size_t(layer)].in.c, l.e);
}

std::string widen_refusal(const Arch& arch, int layer, WidenPart part) {
  std::mt19937_64 rng(0);
  const int n = int(arch.layers.size());
  const int w = layer >= 0 && layer < n ? current_width(arch, layer, part) + 1 : 1;
  return plan_widen(arch, layer, part, w, rng).refusal;
}

std::string deepen_refusal(const Arch& arch, int after) {
  const int n = int(arch.layers.size());
  if (after < 0 || after >= n)
    return fmt::format("layers[{}] does not exist (the net has {} layers)", after, n);
  if (after == n - 1) return layer_name(arch, after) + " is the network's output";
  const ArchStats st = analyze(arch);
  if (output_kinds(arch, st).flat[std::size_t(after)])
    return layer_name(arch, after) + " gives flat features: a conv cannot follow it";
  return "";
}

}  // namespace hwnas
