// Exported models run in a real ONNX runtime (onnxruntime-node, installed by
// npm into the build tree on first use) and give libtorch's outputs within
// 1e-4: every configs/archs net and a sample of every shipped space, with
// default and perturbed ("trained") weights, BN kept and folded, static and
// dynamic batch.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/export/onnx_export.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/net2net.h"
#include "hwnas/space/genotype.h"

using namespace hwnas;
namespace fs = std::filesystem;

namespace {

// The runtime's folder, installed once per build tree.
std::string onnxruntime_dir() {
  const fs::path dir = fs::path(HWNAS_TEST_TMP).parent_path() / "onnxruntime";
  const fs::path pkg = dir / "node_modules" / "onnxruntime-node";
  if (!fs::exists(pkg / "package.json")) {
    fs::create_directories(dir);
    const std::string cmd = "npm install --ignore-scripts --no-audit --no-fund --prefix '" +
                            dir.string() + "' onnxruntime-node > '" + dir.string() +
                            "/npm.log' 2>&1";
    INFO("npm install failed; see " << dir.string() << "/npm.log");
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  return pkg.string();
}

void write_floats(const std::string& path, const torch::Tensor& t) {
  auto c = t.contiguous();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(c.data_ptr<float>()), std::streamsize(c.numel() * 4));
}

torch::Tensor read_floats(const std::string& path, std::vector<std::int64_t> shape) {
  auto t = torch::empty(shape);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(t.data_ptr<float>()), std::streamsize(t.numel() * 4));
  REQUIRE(in.gcount() == std::streamsize(t.numel() * 4));
  return t;
}

// What training leaves behind: BN statistics and affine terms away from
// their defaults (so folding has something to fold) and moved weights.
void perturb(ArchNet& net) {
  torch::NoGradGuard no_grad;
  for (auto& p : net->named_parameters()) p.value().add_(torch::randn_like(p.value()) * 0.05);
  for (auto& b : net->named_buffers()) {
    if (b.key().find("running_mean") != std::string::npos) b.value().normal_(0, 0.3);
    if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 2.0);
  }
}

struct Job {
  std::string label, model, in, out;
  std::vector<std::int64_t> in_shape, out_shape;
  torch::Tensor expected;
};

}  // namespace

TEST_CASE("onnxruntime runs every export with libtorch's outputs", "[export][onnxruntime]") {
  const std::string ort = onnxruntime_dir();
  std::vector<Arch> archs;
  for (auto& e : fs::directory_iterator(test::source_path("configs/archs")))
    archs.push_back(load_arch(e.path().string()));
  for (const char* f :
       {"tests/data/archs/every-op.arch.json", "tests/data/archs/graph-ops.arch.json"})
    archs.push_back(load_arch(test::source_path(f)));
  for (const auto& name : list_spaces()) {
    Space s = load_space(name);
    Rng rng(9);
    for (int i = 0; i < (s.is_chain() ? 1 : 3); ++i) archs.push_back(decode(s, sample(s, rng)));
  }
  // Grown nets (nn/net2net.h): widened units and inserted identity layers,
  // conv and mbconv, export as any other layer does.
  {
    const Arch start = load_arch(test::source_path("configs/growth/eas-start.arch.json"));
    torch::manual_seed(1);
    ArchNet net(start);
    std::mt19937_64 rng(3);
    Grown g = widen(start, module_tensors(*net), {0, WidenPart::Out, 8, 0.01}, rng);
    g = widen(g.arch, g.weights, {7, WidenPart::Out, 16, 0.01}, rng);
    g = deepen(g.arch, g.weights, {2, Op::Conv, 5, 1});
    g = deepen(g.arch, g.weights, {0, Op::MBConv, 3, 3});
    g.arch.name = "eas-start-grown";
    archs.push_back(g.arch);
  }
  auto dir = test::temp_dir("onnxruntime");
  std::vector<Job> jobs;
  int n = 0;
  for (const Arch& a : archs) {
    bool needs_14 = false;
    for (const auto& l : a.layers) needs_14 |= l.act == Act::HSwish;
    for (int variant = 0; variant < 4; ++variant) {
      const bool trained = variant & 1, fold = variant & 2;
      torch::manual_seed(variant);
      ArchNet net(a);
      if (trained) perturb(net);
      net->eval();
      ExportOptions o;
      o.opset = needs_14 ? 17 : 13;
      o.fold_bn = fold;
      o.dynamic_batch = variant == 1 || variant == 2;
      o.batch = 2;
      const std::int64_t batch = o.dynamic_batch ? 3 : 2;
      Job j;
      j.label = fmt::format("{} ({}, {}, {} batch)", a.name, trained ? "trained" : "untrained",
                            fold ? "BN folded" : "BN kept", o.dynamic_batch ? "dynamic" : "static");
      j.model = fmt::format("{}/m{}.onnx", dir, n);
      j.in = fmt::format("{}/in{}.f32", dir, n);
      j.out = fmt::format("{}/out{}.f32", dir, n);
      ++n;
      export_onnx(*net, o, j.model);
      // Pixels in [0, 1]: the model normalises them itself (Sub/Div at the input).
      auto x = torch::rand({batch, a.input.c, a.input.h, a.input.w});
      write_floats(j.in, x);
      torch::Tensor xn = x;
      if (a.preprocess) {
        auto mean = torch::tensor(a.preprocess->mean, torch::kFloat32).view({1, -1, 1, 1});
        auto std = torch::tensor(a.preprocess->std, torch::kFloat32).view({1, -1, 1, 1});
        xn = (x - mean) / std;
      }
      torch::NoGradGuard no_grad;
      j.expected = net->forward(xn);
      j.in_shape = {batch, a.input.c, a.input.h, a.input.w};
      j.out_shape = {batch, a.num_classes};
      jobs.push_back(std::move(j));
    }
  }
  std::string cmd = "node '" + test::source_path("tests/export/ort_run.js") + "' '" + ort + "'";
  for (const auto& j : jobs)
    cmd += fmt::format(" '{}' '{}' {},{},{},{} '{}'", j.model, j.in, j.in_shape[0], j.in_shape[1],
                       j.in_shape[2], j.in_shape[3], j.out);
  cmd += " > '" + dir + "/ort.log' 2>&1";
  INFO("onnxruntime failed; see " << dir << "/ort.log");
  REQUIRE(std::system(cmd.c_str()) == 0);
  for (const auto& j : jobs) {
    INFO(j.label);
    auto got = read_floats(j.out, j.out_shape);
    const double err = (got - j.expected).abs().max().item<double>();
    const double scale = std::max(1.0, j.expected.abs().max().item<double>());
    INFO("max abs difference " << err << ", largest logit " << scale);
    CHECK(err <= 1e-4 * scale);
  }
}
