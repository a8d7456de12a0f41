#include "hwnas/export/onnx_export.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <set>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/ir/arch_json.h"

namespace hwnas {

namespace {

constexpr double kBnEps = 1e-5;  // torch's BatchNorm2d default

// Builds one graph: names follow the weights contract ("layers.3.dw").
class GraphBuilder {
 public:
  GraphBuilder(onnx::GraphProto& g, ArchNetImpl& net, const ExportOptions& opt)
      : g_(g), opt_(opt), params_(net.named_parameters()), buffers_(net.named_buffers()) {}

  std::string node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                   const std::function<void(onnx::NodeProto&)>& attrs = {}) {
    auto* n = g_.add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (auto& i : inputs) n->add_input(i);
    n->add_output(name);
    if (attrs) attrs(*n);
    return name;
  }

  void tensor(const std::string& name, const torch::Tensor& t) {
    auto c = t.detach().to(torch::kFloat32).contiguous();
    auto* init = g_.add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : c.sizes()) init->add_dims(d);
    init->set_raw_data(
        std::string(reinterpret_cast<const char*>(c.data_ptr<float>()), c.numel() * 4));
  }

  torch::Tensor param(const std::string& name) const {
    if (const auto* p = params_.find(name)) return *p;
    if (const auto* b = buffers_.find(name)) return *b;
    HWNAS_ASSERT(false, "no tensor " + name);
  }
  bool has(const std::string& name) const { return params_.find(name) || buffers_.find(name); }

  // conv [+ BN] of module `prefix` ("layers.3.dw" with BN "layers.3.dw_bn").
  std::string conv_bn(const std::string& x, const std::string& conv, const std::string& bn, int k,
                      int stride, int groups, int dilation) {
    const int pad = dilation * (k - 1) / 2;
    return conv_bn(x, conv, bn, {k, k, stride, stride, pad, pad, groups, dilation});
  }

  struct ConvGeometry {
    int kh, kw, sh, sw, ph, pw, groups, dilation;
  };
  std::string conv_bn(const std::string& x, const std::string& conv, const std::string& bn,
                      const ConvGeometry& c) {
    auto attrs = [&](onnx::NodeProto& n) {
      ints(n, "kernel_shape", {c.kh, c.kw});
      ints(n, "strides", {c.sh, c.sw});
      ints(n, "pads", {c.ph, c.pw, c.ph, c.pw});
      ints(n, "dilations", {c.dilation, c.dilation});
      int_attr(n, "group", c.groups);
    };
    torch::Tensor w = param(conv + ".weight");
    torch::Tensor b = has(conv + ".bias") ? param(conv + ".bias") : torch::Tensor();
    if (!bn.empty() && opt_.fold_bn) {
      torch::Tensor gamma = param(bn + ".weight"), beta = param(bn + ".bias");
      torch::Tensor mean = param(bn + ".running_mean"), var = param(bn + ".running_var");
      auto scale = gamma / torch::sqrt(var + kBnEps);
      tensor(conv + ".weight", w * scale.view({-1, 1, 1, 1}));
      auto bias = beta - mean * scale + (b.defined() ? b * scale : torch::zeros_like(beta));
      tensor(conv + ".bias", bias);
      return node("Conv", conv, {x, conv + ".weight", conv + ".bias"}, attrs);
    }
    tensor(conv + ".weight", w);
    std::vector<std::string> in = {x, conv + ".weight"};
    if (b.defined()) tensor(conv + ".bias", b), in.push_back(conv + ".bias");
    std::string y = node("Conv", conv, in, attrs);
    return bn.empty() ? y : batch_norm(y, bn);
  }

  // A BatchNormalization node of module `bn` (kept as is: nothing to fold into).
  std::string batch_norm(const std::string& x, const std::string& bn) {
    for (const char* suffix : {".weight", ".bias", ".running_mean", ".running_var"})
      tensor(bn + suffix, param(bn + suffix));
    return node("BatchNormalization", bn,
                {x, bn + ".weight", bn + ".bias", bn + ".running_mean", bn + ".running_var"},
                [](onnx::NodeProto& n) { floats(n, "epsilon", kBnEps); });
  }

  // A scalar float constant, made once.
  std::string scalar(const std::string& name, double v) {
    if (made_.insert(name).second) tensor(name, torch::full({}, v));
    return name;
  }

  std::string act(const std::string& x, Act a, const std::string& name, const std::string& place) {
    switch (a) {
      case Act::None:
        return x;
      case Act::Relu:
        return node("Relu", name, {x});
      case Act::Relu6:
        return node("Clip", name, {x, scalar("const.zero", 0), scalar("const.six", 6)});
      case Act::HSwish:
        if (opt_.opset < 14)
          throw InputError(
              place,
              fmt::format("hswish needs opset >= 14 (HardSwish); got --opset {}", opt_.opset));
        return node("HardSwish", name, {x});
    }
    return x;
  }

  std::string shape_const(const std::string& name, const std::vector<std::int64_t>& v) {
    auto* t = g_.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(std::int64_t(v.size()));
    t->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * 8));
    return name;
  }

  static void ints(onnx::NodeProto& n, const char* key, const std::vector<std::int64_t>& v) {
    auto* a = n.add_attribute();
    a->set_name(key);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
  }
  static void int_attr(onnx::NodeProto& n, const char* key, std::int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(key);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void floats(onnx::NodeProto& n, const char* key, double v) {
    auto* a = n.add_attribute();
    a->set_name(key);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(float(v));
  }

 private:
  onnx::GraphProto& g_;
  const ExportOptions& opt_;
  torch::OrderedDict<std::string, torch::Tensor> params_, buffers_;
  std::set<std::string> made_;
};

std::string export_layer(GraphBuilder& b, const Layer& l, const Shape& in, const Shape& out,
                         const std::vector<std::string>& xs, std::size_t i) {
  const std::string p = fmt::format("layers.{}", i);
  const std::string place = fmt::format("layers[{}] ({})", i, op_name(l.op));
  const int s = l.stride_or_default();
  const std::string& x = xs.front();
  switch (l.op) {
    case Op::Conv: {
      std::string y = l.preact ? b.act(x, l.act, p + ".preact", place) : x;
      y = b.conv_bn(y, p + ".conv", l.bn ? p + ".bn" : "", l.k, s, l.groups, l.dilation);
      return l.preact ? y : b.act(y, l.act, p + ".act", place);
    }
    case Op::MBConv: {
      const int mid = mbconv_mid(in.c, l.e);
      std::string y = x;
      if (l.has_expand()) {
        y = b.act(b.conv_bn(y, p + ".expand", p + ".expand_bn", 1, 1, l.groups, 1), l.act,
                  p + ".expand_act", place);
        if (l.shuffle) {
          auto s1 = b.shape_const(p + ".shuffle_split", {0, l.groups, mid / l.groups, in.h, in.w});
          auto s2 = b.shape_const(p + ".shuffle_merge", {0, mid, in.h, in.w});
          y = b.node("Reshape", p + ".shuffle_view", {y, s1});
          y = b.node("Transpose", p + ".shuffle", {y}, [](onnx::NodeProto& n) {
            GraphBuilder::ints(n, "perm", {0, 2, 1, 3, 4});
          });
          y = b.node("Reshape", p + ".shuffle_out", {y, s2});
        }
      }
      y = b.act(b.conv_bn(y, p + ".dw", p + ".dw_bn", l.k, s, mid, 1), l.act, p + ".dw_act", place);
      if (l.se) {
        std::string g = b.node("GlobalAveragePool", p + ".se_pool", {y});
        g = b.node("Relu", p + ".se_relu", {b.conv_bn(g, p + ".se_reduce", "", 1, 1, 1, 1)});
        g = b.conv_bn(g, p + ".se_expand", "", 1, 1, 1, 1);
        g = b.node("HardSigmoid", p + ".se_gate", {g}, [](onnx::NodeProto& n) {
          GraphBuilder::floats(n, "alpha", 1.0 / 6.0);
          GraphBuilder::floats(n, "beta", 0.5);
        });
        y = b.node("Mul", p + ".se_scale", {y, g});
      }
      y = b.conv_bn(y, p + ".project", p + ".project_bn", 1, 1, l.groups, 1);
      if (l.residual.value_or(s == 1 && in.c == l.out)) y = b.node("Add", p + ".add", {y, x});
      return y;
    }
    case Op::Skip:
      if (out == in) return x;
      return b.act(b.conv_bn(x, p + ".conv", p + ".bn", 1, s, 1, 1), Act::Relu, p + ".act", place);
    case Op::Zero:
    case Op::Dropout:
      return x;
    case Op::MaxPool:
    case Op::AvgPool:
      // AveragePool leaves padding out of the mean by default, as hwnas does.
      return b.node(l.op == Op::MaxPool ? "MaxPool" : "AveragePool", p + ".pool", {x},
                    [&](onnx::NodeProto& n) {
                      GraphBuilder::ints(n, "kernel_shape", {l.k, l.k});
                      GraphBuilder::ints(n, "strides", {s, s});
                      if (l.pad > 0) GraphBuilder::ints(n, "pads", {l.pad, l.pad, l.pad, l.pad});
                    });
    case Op::Gap:
      return b.node("GlobalAveragePool", p + ".pool", {x});
    case Op::Linear: {
      std::string f = b.node("Flatten", p + ".flatten", {x});
      b.tensor(p + ".fc.weight", b.param(p + ".fc.weight"));
      b.tensor(p + ".fc.bias", b.param(p + ".fc.bias"));
      return b.node("Gemm", p + ".fc", {f, p + ".fc.weight", p + ".fc.bias"},
                    [](onnx::NodeProto& n) { GraphBuilder::int_attr(n, "transB", 1); });
    }
    case Op::Add:
      return b.act(b.node("Sum", p + ".add", xs), l.act, p + ".act", place);
    case Op::Concat:
      return b.node("Concat", p + ".concat", xs,
                    [](onnx::NodeProto& n) { GraphBuilder::int_attr(n, "axis", 1); });
    case Op::BN:
      return b.act(b.batch_norm(x, p + ".bn"), l.act, p + ".act", place);
    case Op::None: {
      if (out.c != in.c)
        throw InputError(place, "export writes `none` only where it keeps the channel count");
      std::string y = x;
      if (s > 1)  // every s-th row and column, as the module's slices
        y = b.node(
            "Slice", p + ".stride",
            {x, b.shape_const(p + ".starts", {0, 0}), b.shape_const(p + ".ends", {in.h, in.w}),
             b.shape_const(p + ".axes", {2, 3}), b.shape_const(p + ".steps", {s, s})});
      return b.node("Mul", p + ".zero", {y, b.scalar("const.zero", 0)});
    }
    case Op::SepConv:
    case Op::DilConv: {
      const int units = l.op == Op::SepConv ? 2 : 1;
      const int pad = l.dilation * (l.k - 1) / 2;
      std::string y = x;
      for (int u = 0; u < units; ++u) {
        const std::string n = units == 1 ? "" : std::to_string(u + 1);
        const int su = u == 0 ? s : 1;
        y = b.node("Relu", p + ".relu" + n, {y});
        y = b.conv_bn(y, p + ".dw" + n, "", {l.k, l.k, su, su, pad, pad, in.c, l.dilation});
        y = b.conv_bn(y, p + ".pw" + n, p + ".bn" + n, 1, 1, 1, 1);
      }
      return y;
    }
    case Op::FactConv: {
      const int pad = (l.k - 1) / 2;
      std::string y = b.node("Relu", p + ".relu", {x});
      y = b.conv_bn(y, p + ".conv1", "", {1, l.k, 1, s, 0, pad, 1, 1});
      return b.conv_bn(y, p + ".conv2", p + ".bn", {l.k, 1, s, 1, pad, 0, 1, 1});
    }
    case Op::FactReduce: {
      std::string r = b.node("Relu", p + ".relu", {x});
      std::string shifted =
          b.node("Slice", p + ".shift",
                 {r, b.shape_const(p + ".starts", {1, 1}), b.shape_const(p + ".ends", {in.h, in.w}),
                  b.shape_const(p + ".axes", {2, 3})});
      std::string a = b.conv_bn(r, p + ".conv1", "", 1, 2, 1, 1);
      std::string c = b.conv_bn(shifted, p + ".conv2", "", 1, 2, 1, 1);
      std::string y = b.node("Concat", p + ".concat", {a, c},
                             [](onnx::NodeProto& n) { GraphBuilder::int_attr(n, "axis", 1); });
      return b.batch_norm(y, p + ".bn");
    }
  }
  return x;
}

void set_shape(onnx::ValueInfoProto& v, const std::string& name,
               const std::vector<std::int64_t>& dims, bool dynamic) {
  v.set_name(name);
  auto* t = v.mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    auto* d = t->mutable_shape()->add_dim();
    if (i == 0 && dynamic)
      d->set_dim_param("batch");
    else
      d->set_dim_value(dims[i]);
  }
}

}  // namespace

ExportResult export_onnx(ArchNetImpl& net, const ExportOptions& opt, const std::string& path) {
  if (opt.opset < 13 || opt.opset > 17)
    throw InputError("--opset", fmt::format("expected 13..17, got {}", opt.opset));
  const Arch& arch = net.arch();
  ArchStats st = analyze(arch);
  torch::NoGradGuard no_grad;
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("hwnas");
  model.set_producer_version("0.1.0");
  model.set_doc_string(arch_to_json(arch).dump());
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(opt.opset);
  auto* g = model.mutable_graph();
  g->set_name(arch.name);
  GraphBuilder b(*g, net, opt);

  std::string x = "input";
  if (arch.preprocess) {
    const auto& pp = *arch.preprocess;
    auto as_tensor = [&](const std::vector<double>& v) {
      return torch::tensor(std::vector<float>(v.begin(), v.end())).view({1, arch.input.c, 1, 1});
    };
    b.tensor("preprocess.mean", as_tensor(pp.mean));
    b.tensor("preprocess.std", as_tensor(pp.std));
    x = b.node("Div", "preprocess.div",
               {b.node("Sub", "preprocess.sub", {x, "preprocess.mean"}), "preprocess.std"});
    auto* m = model.add_metadata_props();
    m->set_key("preprocess");
    m->set_value(fmt::format(
        "input pixels in [0, 1], NCHW; (x - mean) / std with mean {} std {} inside the graph",
        nlohmann::json(pp.mean).dump(), nlohmann::json(pp.std).dump()));
  }
  std::vector<std::string> outs;  // the node that gives each layer's output
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    std::vector<std::string> xs;
    for (int j : st.layers[i].inputs) xs.push_back(j < 0 ? x : outs[j]);
    outs.push_back(export_layer(b, arch.layers[i], st.layers[i].in, st.layers[i].out, xs, i));
  }
  x = outs.back();
  const Shape& out = st.layers.back().out;
  if (arch.layers.back().op != Op::Linear) x = b.node("Flatten", "output.flatten", {x});
  // The graph output is named "logits": an Identity keeps the last node's name free.
  b.node("Identity", "logits", {x});
  const std::int64_t n = opt.batch;
  set_shape(*g->add_input(), "input", {n, arch.input.c, arch.input.h, arch.input.w},
            opt.dynamic_batch);
  set_shape(*g->add_output(), "logits", {n, out.numel()}, opt.dynamic_batch);

  try {
    onnx::checker::check_model(model);
    onnx::shape_inference::InferShapes(model);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("the exported model fails onnx's checks: {}", e.what()));
  }
  std::string bytes;
  model.SerializeToString(&bytes);
  write_file_atomic(path, bytes);
  return {path, opt.opset, g->node_size(), std::int64_t(bytes.size())};
}

}  // namespace hwnas
