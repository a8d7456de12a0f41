// Hostile input at the command line: one output policy for every writer,
// one-line errors, overrides that cannot inject keys, and counts that
// cannot overflow. Each case is exit 2 with the user's path named.
#include <filesystem>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/files.h"

using namespace hwnas;
using test::run_hwnas;
namespace fs = std::filesystem;

namespace {
const char* kArch = "tests/data/archs/proxyless-fmnist-0000.arch.json";
}  // namespace

TEST_CASE("every writer refuses to replace or destroy what it did not create", "[cli][hostile]") {
  const auto dir = test::temp_dir("outputs");
  write_file_atomic(dir + "/c.yaml",
                    "name: t\nthreads: 1\ndata: {dataset: synthetic, train_limit: 64, "
                    "test_limit: 32}\ntrain: {epochs: 1, batch: 32}\n");
  REQUIRE(run_hwnas({"train", "--arch", kArch, "--config", dir + "/c.yaml", "--out", dir + "/run"})
              .rc == 0);
  const std::string weights = dir + "/run/model.weights";
  const std::string before = read_text_file(dir + "/c.yaml");

  // An existing file: refused, untouched; --force replaces it.
  write_file_atomic(dir + "/m.onnx", "mine\n");
  auto r = run_hwnas({"export", "--arch", kArch, "--weights", weights, "--out", dir + "/m.onnx"});
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains(dir + "/m.onnx: --out: already exists (add --force"));
  CHECK(read_text_file(dir + "/m.onnx") == "mine\n");
  CHECK(run_hwnas(
            {"export", "--arch", kArch, "--weights", weights, "--out", dir + "/m.onnx", "--force"})
            .rc == 0);
  // An output that is also an input: refused even with --force.
  const auto size = fs::file_size(weights);
  r = run_hwnas({"export", "--arch", kArch, "--weights", weights, "--out", weights, "--force"});
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains("is also an input"));
  CHECK(fs::file_size(weights) == size);
  r = run_hwnas({"eval", "--arch", kArch, "--weights", weights, "--config", dir + "/c.yaml",
                 "--predictions", dir + "/c.yaml", "--force"});
  CHECK(r.rc == 2);
  CHECK(read_text_file(dir + "/c.yaml") == before);
  // A missing folder, a folder where a file goes, a name over 255 bytes: the
  // user's path is named, never a temp file's.
  r = run_hwnas({"export", "--arch", kArch, "--out", dir + "/no/such/m.onnx"});
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains("folder " + dir + "/no/such does not exist"));
  CHECK_THAT(r.err, !Catch::Contains(".tmp"));
  r = run_hwnas({"export", "--arch", kArch, "--out", dir});
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains("is a folder"));
  r = run_hwnas({"export", "--arch", kArch, "--out", dir + "/" + std::string(300, 'n')});
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains("a name of 300 bytes; at most 255"));

  // Probe folders: a trailing slash works; an unrelated D.partial survives.
  fs::create_directories(dir + "/probes.partial");
  write_file_atomic(dir + "/probes.partial/keep.txt", "keep\n");
  r = run_hwnas({"export", "--space", "proxyless-fmnist", "--out-latency-probe", dir + "/probes/"});
  INFO(r.err);
  CHECK(r.rc == 0);
  CHECK(fs::exists(dir + "/probes/probes.json"));
  CHECK(read_text_file(dir + "/probes.partial/keep.txt") == "keep\n");
  for (const auto& e : fs::directory_iterator(dir))
    CHECK(e.path().filename().string().find(".partial-") == std::string::npos);
}

TEST_CASE("broken weights are refused before a net is built", "[cli][hostile]") {
  const auto dir = test::temp_dir("bad-weights");
  write_file_atomic(dir + "/w.weights", "PK not really a zip archive at all\n");
  auto r = run_hwnas(
      {"export", "--arch", kArch, "--weights", dir + "/w.weights", "--out", dir + "/m.onnx"});
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains(dir + "/w.weights: not a weights file"));
  CHECK_FALSE(fs::exists(dir + "/m.onnx"));
  r = run_hwnas({"eval", "--arch", kArch, "--weights", dir + "/missing.weights"});
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains("missing.weights: no such file"));
}

TEST_CASE("errors stay one line, and counts that would overflow are refused", "[cli][hostile]") {
  const auto dir = test::temp_dir("one-line");
  // A newline in a path.
  auto r = run_hwnas({"stats", "--arch", dir + "/a\nb.arch.json"});
  CHECK(r.rc == 2);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_THAT(r.err, Catch::Contains("a\\nb.arch.json: no such file"));
  // A huge unknown name is cut.
  r = run_hwnas({"space", std::string(20000, 's')});
  CHECK(r.rc == 2);
  CHECK(r.err.size() < 2000);
  // MACs that would overflow 64 bits were reported negative.
  write_file_atomic(dir + "/big.arch.json",
                    R"({"format": "hwnas.arch/1", "name": "big", "input": [65536, 4096, 4096],
                        "num_classes": 10, "layers": [{"op": "conv", "out": 65536, "k": 31},
                        {"op": "gap"}, {"op": "linear", "out": 10}]})");
  r = run_hwnas({"stats", "--arch", dir + "/big.arch.json"});
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains("layers[0] (conv): input 65536x4096x4096"));
  CHECK_THAT(r.err, Catch::Contains("too large to count"));
}

TEST_CASE("accel --set reads one value: no injected keys, no empty values", "[cli][hostile]") {
  const std::string arch = "configs/archs/mobilenet-v2.arch.json";
  for (const char* set : {"energy.dram=1, mac: 1000000", "pes=128\nl1_kb: 1", "pes=", "pes=[1, 2]",
                          "pes: 3=4", "=5"}) {
    INFO(set);
    auto r =
        run_hwnas({"accel", "--arch", arch, "--accel", "configs/accel/eyeriss.yaml", "--set", set});
    CHECK(r.rc == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  CHECK(run_hwnas({"accel", "--arch", arch, "--accel", "configs/accel/eyeriss.yaml", "--set",
                   "energy.dram=150"})
            .rc == 0);
}

TEST_CASE("seeds beyond the int64 range are refused, not clamped", "[cli][hostile]") {
  const auto dir = test::temp_dir("seeds");
  for (const char* seed : {"9223372036854775808", "99999999999999999999", "-1", "1e3", "0x10"}) {
    INFO(seed);
    auto r = run_hwnas({"space", "fbnet", "--sample", "1", "--seed", seed, "--out", dir + "/s"});
    CHECK(r.rc == 2);
    CHECK_THAT(r.err, Catch::Contains("--seed"));
    CHECK_FALSE(fs::exists(dir + "/s"));
  }
  CHECK(run_hwnas({"space", "fbnet", "--sample", "1", "--seed", "9223372036854775807", "--out",
                   dir + "/s"})
            .rc == 0);
}
