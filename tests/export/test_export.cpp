// ONNX export: every shipped and sampled arch passes onnx's checker and shape
// inference, stores each weight once, and bad requests are refused.
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/error.h"
#include "hwnas/export/onnx_export.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
namespace fs = std::filesystem;

namespace {
onnx::ModelProto read_model(const std::string& path) {
  onnx::ModelProto m;
  std::ifstream in(path, std::ios::binary);
  REQUIRE(m.ParseFromIstream(&in));
  return m;
}
std::int64_t bn_statistics(const Arch& a) {
  ArchNet net(a);
  std::int64_t n = 0;
  for (const auto& b : net->named_buffers())
    if (b.key().find("running_") != std::string::npos) n += b.value().numel();
  return n;
}
}  // namespace

TEST_CASE("every shipped and sampled arch exports and passes the checker", "[export]") {
  std::vector<Arch> archs;
  for (auto& e : fs::directory_iterator(test::source_path("configs/archs")))
    archs.push_back(load_arch(e.path().string()));
  for (const auto& name : list_spaces()) {
    Space s = load_space(name);
    Rng rng(4);
    archs.push_back(decode(s, sample(s, rng)));
  }
  auto dir = test::temp_dir("export");
  for (const Arch& a : archs) {
    INFO(a.name);
    bool needs_14 = false;
    for (const auto& l : a.layers) needs_14 |= l.act == Act::HSwish;
    for (bool fold : {false, true}) {
      torch::manual_seed(0);
      ArchNet net(a);
      net->eval();
      ExportOptions o;
      o.opset = needs_14 ? 14 : 13;
      o.fold_bn = fold;
      o.dynamic_batch = fold;
      ExportResult r = export_onnx(*net, o, dir + "/m.onnx");  // the checker runs inside
      auto m = read_model(dir + "/m.onnx");
      CHECK(m.graph().input(0).name() == "input");
      CHECK(m.graph().output(0).name() == "logits");
      CHECK(m.graph().output(0).type().tensor_type().shape().dim(1).dim_value() == a.num_classes);
      CHECK(r.bytes == std::int64_t(fs::file_size(dir + "/m.onnx")));
      // Each weight stored once: at most 2% over 4 bytes x (params + BN statistics).
      const double floats = double(analyze(a).params + (fold ? 0 : bn_statistics(a)));
      CHECK(double(r.bytes) <= 1.02 * 4 * floats + 64 * 1024);
    }
  }
}

TEST_CASE("initializers are named by the weights contract and preprocess is in the graph",
          "[export]") {
  Arch a = load_arch(test::source_path("tests/data/archs/every-op.arch.json"));
  torch::manual_seed(0);
  ArchNet net(a);
  auto dir = test::temp_dir("export-names");
  ExportOptions o;
  o.opset = 14;
  export_onnx(*net, o, dir + "/m.onnx");
  auto m = read_model(dir + "/m.onnx");
  std::set<std::string> inits;
  for (const auto& t : m.graph().initializer()) inits.insert(t.name());
  for (auto k : {"layers.2.dw.weight", "layers.2.se_reduce.bias", "layers.0.bn.running_var",
                 "layers.14.fc.weight"})
    CHECK(inits.count(k) == 1);
  CHECK(m.graph().node(0).op_type() == "Sub");
  CHECK(m.graph().node(1).op_type() == "Div");
  CHECK(m.producer_name() == "hwnas");
  CHECK_THAT(m.doc_string(), Catch::Contains("\"every-op\""));
}

TEST_CASE("ops the opset cannot express are refused naming the layer", "[export]") {
  Arch a = load_arch(test::source_path("tests/data/archs/every-op.arch.json"));
  ArchNet net(a);
  auto dir = test::temp_dir("export-bad");
  ExportOptions o;
  o.opset = 13;
  CHECK_THROWS_WITH(
      export_onnx(*net, o, dir + "/m.onnx"),
      Catch::Contains("layers[0] (conv)") && Catch::Contains("hswish needs opset >= 14"));
  CHECK_FALSE(fs::exists(dir + "/m.onnx"));  // nothing written
  auto r = test::run_hwnas({"export", "--arch", "tests/data/archs/every-op.arch.json", "--out",
                            dir + "/c.onnx", "--weights", "tests/data/tiny-fmnist.arch.json"});
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains("not a weights file"));
  CHECK(test::run_hwnas({"export", "--arch", "configs/archs/fbnet-a.arch.json", "--out",
                         dir + "/d.onnx", "--opset", "12"})
            .rc == 2);
  CHECK_FALSE(fs::exists(dir + "/c.onnx"));
}
