#include "hwnas/ir/arch_json.h"

#include <cmath>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"

namespace hwnas {

namespace {

constexpr std::int64_t kMaxChannels = 1 << 20;

Act read_act(Fields& f, Act fallback) {
  auto v = f.find("act");
  if (!v) return fallback;
  auto s = v->as_choice(act_names());
  for (std::size_t i = 0; i < act_names().size(); ++i)
    if (act_names()[i] == s) return static_cast<Act>(i);
  HWNAS_ASSERT(false, "unreachable");
}

}  // namespace

Layer read_layer(Fields& f, LayerSyntax syntax) {
  const std::string op_str = f.get_choice("op", op_names());
  Op op = Op::Conv;
  for (std::size_t i = 0; i < op_names().size(); ++i)
    if (op_names()[i] == op_str) op = static_cast<Op>(i);
  Layer l = Layer::make(op);
  const bool full = syntax != LayerSyntax::Template;
  if (!full) {
    for (const char* key : {"out", "stride"})
      if (f.has(key))
        f.get(key).fail("a candidate takes out and stride from its position; remove this key");
  }
  auto out_required = [&] { l.out = int(full ? f.get_int("out", 1, kMaxChannels) : 0); };
  auto out_optional = [&] { l.out = int(full ? f.get_int("out", 1, kMaxChannels, 0) : 0); };
  auto stride = [&] { l.stride = int(full ? f.get_int("stride", 1, 64, 0) : 0); };
  if (auto v = syntax == LayerSyntax::Named ? std::nullopt : f.find("inputs")) {
    if (!full) v->fail("a candidate reads what its position reads; remove this key");
    for (const auto& x : v->as_list(1, 1024)) l.inputs.push_back(int(x.as_int(-1, 1 << 24)));
  }
  if (!full && l.multi_input())
    f.get("op").fail(fmt::format("{} joins named layers, so it cannot be a candidate", op_str));
  switch (op) {
    case Op::Conv:
      out_required();
      l.k = int(f.get_int("k", 1, 31));
      stride();
      l.groups = int(f.get_int("groups", 1, kMaxChannels, 1));
      l.dilation = int(f.get_int("dilation", 1, 16, 1));
      l.bn = f.get_bool("bn", true);
      if (auto v = f.find("bias")) l.bias = v->as_bool();
      l.preact = f.get_bool("preact", false);
      l.act = read_act(f, Act::Relu);
      break;
    case Op::MBConv: {
      out_required();
      l.k = int(f.get_int("k", 1, 31));
      l.e = f.get_number("e", 0.01, 64);
      stride();
      l.groups = int(f.get_int("groups", 1, kMaxChannels, 1));
      l.shuffle = f.get_bool("shuffle", false);
      if (auto v = f.find("expand")) l.expand = v->as_bool();
      l.se = f.get_bool("se", false);
      l.act = read_act(f, Act::Relu6);
      if (auto v = f.find("residual")) l.residual = v->as_bool();
      break;
    }
    case Op::Skip:
    case Op::Zero:
      out_optional();
      stride();
      break;
    case Op::MaxPool:
    case Op::AvgPool:
      l.k = int(f.get_int("k", 1, 64));
      stride();
      l.pad = int(f.get_int("pad", 0, 32, 0));
      break;
    case Op::Gap:
      break;
    case Op::Linear:
      out_required();
      break;
    case Op::Dropout:
      l.p = f.get_number("p", 0, 0.99);
      break;
    case Op::Add:
    case Op::BN:
      l.act = read_act(f, Act::None);
      break;
    case Op::Concat:
      break;
    case Op::None:
      out_optional();
      stride();
      break;
    case Op::SepConv:
    case Op::DilConv:
    case Op::FactConv:
      out_required();
      l.k = int(f.get_int("k", 1, 31));
      stride();
      if (op != Op::FactConv)
        l.dilation = int(f.get_int("dilation", 1, 16, op == Op::DilConv ? 2 : 1));
      break;
    case Op::FactReduce:
      out_required();
      break;
  }
  f.finish();
  return l;
}

json layer_to_json(const Layer& l, LayerSyntax syntax) {
  json j;
  j["op"] = std::string(op_name(l.op));
  const bool full = syntax == LayerSyntax::Full;
  const Layer d = Layer::make(l.op);
  if (full && !l.inputs.empty()) j["inputs"] = l.inputs;
  if (full && l.out > 0 && has_out(l.op)) j["out"] = l.out;
  if (has_kernel(l.op)) j["k"] = l.k;
  if (l.op == Op::MBConv) {
    if (l.e == std::floor(l.e))
      j["e"] = static_cast<int>(l.e);
    else
      j["e"] = l.e;
  }
  if (full && l.stride > 0) j["stride"] = l.stride;
  if (l.groups != d.groups) j["groups"] = l.groups;
  if (l.dilation != d.dilation) j["dilation"] = l.dilation;
  if (l.op == Op::Conv && l.bn != d.bn) j["bn"] = l.bn;
  if (l.bias) j["bias"] = *l.bias;
  if (l.preact) j["preact"] = true;
  if (l.pad != 0) j["pad"] = l.pad;
  if (has_act(l.op) && l.act != d.act) j["act"] = std::string(act_name(l.act));
  if (l.shuffle) j["shuffle"] = true;
  if (l.expand) j["expand"] = *l.expand;
  if (l.se) j["se"] = true;
  if (l.residual) j["residual"] = *l.residual;
  if (l.op == Op::Dropout) j["p"] = l.p;
  return j;
}

Arch read_arch(const Document& doc) {
  Fields f = Value(doc, doc.root, "", "").as_object();
  Arch a;
  auto fmt_v = f.get("format");
  if (fmt_v.as_string() != kArchFormat)
    fmt_v.fail(fmt::format("unsupported format '{}'; this hwnas reads {}", fmt_v.as_string(),
                           kArchFormat));
  a.name = f.get_string("name");
  auto in = f.get("input").as_int_list(1, 65536, 3, 3);
  a.input = {int(in[0]), int(in[1]), int(in[2])};
  a.num_classes = int(f.get_int("num_classes", 1, 1'000'000));
  if (auto p = f.find("preprocess")) {
    Fields pf = p->as_object();
    Preprocess pre;
    for (const auto& v : pf.get("mean").as_list(1, 64)) pre.mean.push_back(v.as_number(-1e6, 1e6));
    for (const auto& v : pf.get("std").as_list(1, 64)) pre.std.push_back(v.as_number(1e-12, 1e6));
    pf.finish();
    a.preprocess = pre;
  }
  for (const auto& v : f.get("layers").as_list(1, kMaxArchLayers)) {
    Fields lf = v.as_object();
    a.layers.push_back(read_layer(lf));
  }
  a.space = f.get_string("space", "");
  if (auto g = f.find("genotype"))
    for (auto x : g->as_int_list(0, 1 << 20)) a.genotype.push_back(int(x));
  f.finish();
  try {
    analyze(a);
  } catch (const InputError& e) {
    throw InputError(doc.file + ": " + e.place(), e.message());
  }
  return a;
}

Arch load_arch(const std::string& path) {
  return read_arch(load_document(path));
}

json arch_to_json(const Arch& a) {
  json j;
  j["format"] = kArchFormat;
  j["name"] = a.name;
  j["input"] = {a.input.c, a.input.h, a.input.w};
  j["num_classes"] = a.num_classes;
  if (a.preprocess) j["preprocess"] = {{"mean", a.preprocess->mean}, {"std", a.preprocess->std}};
  if (!a.space.empty()) j["space"] = a.space;
  if (!a.genotype.empty()) j["genotype"] = a.genotype;
  json layers = json::array();
  for (const auto& l : a.layers) layers.push_back(layer_to_json(l));
  j["layers"] = std::move(layers);
  return j;
}

void save_arch(const Arch& a, const std::string& path) {
  analyze(a);
  write_file_atomic(path, arch_to_json(a).dump(2) + "\n");
}

}  // namespace hwnas
