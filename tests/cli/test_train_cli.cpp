// `hwnas train`, `eval` and `bench train` as a user runs them: outputs,
// interruption by a real signal, resume, and broken data files.
#include <signal.h>
#include <stb_image_write.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/common/document.h"
#include "hwnas/common/files.h"

using namespace hwnas;
using test::run_hwnas;
namespace fs = std::filesystem;

namespace {
const std::string kArch = "tests/data/tiny-fmnist.arch.json";

std::string write_config(const std::string& dir, const std::string& body) {
  write_file_atomic(dir + "/c.yaml", "name: t\nthreads: 1\n" + body);
  return dir + "/c.yaml";
}

void copy_fmnist(const std::string& dir) {
  for (auto f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
    fs::copy_file(std::string("/usr/share/datasets/fashion-mnist/") + f, dir + "/" + f);
}
}  // namespace

TEST_CASE("train then eval on synthetic data reports the contract's keys", "[cli][train]") {
  auto dir = test::temp_dir("train-cli");
  auto cfg = write_config(dir,
                          "data: {dataset: synthetic, train_limit: 1024, test_limit: 256}\n"
                          "train: {epochs: 2, batch: 32, optimizer: {lr: 0.05}}\n");
  auto r = run_hwnas({"train", "--arch", kArch, "--config", cfg, "--out", dir + "/run", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  json j = json::parse(r.out);
  CHECK(j["steps"] == 64);
  CHECK(j["test_accuracy"].get<double>() > 0.5);
  for (auto f : {"config.yaml", "arch.json", "events.jsonl", "summary.md", "model.weights",
                 "checkpoints/last.ckpt"})
    CHECK(fs::exists(dir + "/run/" + f));
  // The run's arch carries the training normalisation, so eval needs nothing else.
  auto e = run_hwnas({"eval", "--arch", dir + "/run/arch.json", "--weights",
                      dir + "/run/model.weights", "--config", cfg, "--json"});
  REQUIRE(e.rc == 0);
  json ej = json::parse(e.out);
  CHECK(ej["test_accuracy"] == j["test_accuracy"]);
  CHECK(ej["images"] == 256);
  CHECK(ej["top5"].get<double>() >= ej["test_accuracy"].get<double>());
  // A second train into the same folder is refused and changes nothing.
  auto before = read_text_file(dir + "/run/events.jsonl");
  auto again = run_hwnas({"train", "--arch", kArch, "--config", cfg, "--out", dir + "/run"});
  CHECK(again.rc == 2);
  CHECK_THAT(again.err, Catch::Contains("already holds a run"));
  CHECK(read_text_file(dir + "/run/events.jsonl") == before);
  // Devices that are not there are refused before anything is written.
  for (auto dev : {"cuda", "tpu"}) {
    auto d = run_hwnas(
        {"train", "--arch", kArch, "--config", cfg, "--out", dir + "/dev", "--device", dev});
    CHECK(d.rc == 2);
    CHECK_THAT(d.err, Catch::Contains("--device"));
  }
  CHECK_FALSE(fs::exists(dir + "/dev/events.jsonl"));
  // Weights of another arch are refused by eval.
  auto wrong = run_hwnas({"eval", "--arch", "tests/data/archs/proxyless-fmnist-0000.arch.json",
                          "--weights", dir + "/run/model.weights"});
  CHECK(wrong.rc == 2);
  CHECK_THAT(wrong.err, Catch::Contains("model.weights"));
}

TEST_CASE("SIGTERM checkpoints and exits 130 and resume finishes the run", "[cli][train]") {
  auto dir = test::temp_dir("signal");
  auto cfg = write_config(dir,
                          "data: {dataset: synthetic, train_limit: 3200, test_limit: 128}\n"
                          "train: {epochs: 20, batch: 32}\n");
  const std::string run = dir + "/run";
  // Stop it once training has started (the first progress event).
  CHECK(test::interrupt_hwnas({"train", "--arch", kArch, "--config", cfg, "--out", run},
                              run + "/events.jsonl", SIGTERM) == 130);
  CHECK(fs::exists(run + "/checkpoints/last.ckpt"));
  CHECK_FALSE(fs::exists(run + "/model.weights"));
  auto r = run_hwnas({"train", "--resume", run, "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  CHECK(json::parse(r.out)["steps"] == 2000);
  CHECK(fs::exists(run + "/model.weights"));
}

TEST_CASE("broken Fashion-MNIST files fail with exit 2 naming the file", "[cli][train][bad]") {
  struct Breakage {
    std::string file, expect;
    std::function<void(const std::string&)> apply;
  };
  auto truncate_to = [](std::uintmax_t n) {
    return [n](const std::string& p) { fs::resize_file(p, n); };
  };
  std::vector<Breakage> cases = {
      {"train-images-idx3-ubyte.gz", "truncated gzip file", truncate_to(100000)},
      {"t10k-labels-idx1-ubyte.gz", "no such file", [](const std::string& p) { fs::remove(p); }},
      {"train-labels-idx1-ubyte.gz", "wrong magic number",
       [](const std::string& p) {
         write_file_atomic(p, std::string("\x00\x00\x09\x01\x00\x00\x00\x01\x05", 9));
       }},
      {"t10k-images-idx3-ubyte.gz", "is a directory",
       [](const std::string& p) {
         fs::remove(p);
         fs::create_directory(p);
       }},
  };
  for (const auto& c : cases) {
    INFO(c.file);
    auto dir = test::temp_dir("badfm");
    copy_fmnist(dir);
    c.apply(dir + "/" + c.file);
    auto cfg = write_config(
        dir, "data: {dataset: fashion-mnist, path: " + dir + "}\ntrain: {epochs: 1}\n");
    auto r = run_hwnas({"train", "--arch", kArch, "--config", cfg, "--out", dir + "/run"});
    CHECK(r.rc == 2);
    CHECK_THAT(r.err, Catch::Contains(c.file) && Catch::Contains(c.expect));
    CHECK_FALSE(fs::exists(dir + "/run"));  // nothing written before the data is known good
  }
  auto dir = test::temp_dir("badshape");
  auto cfg = write_config(dir, "data: {dataset: synthetic}\n");
  auto r = run_hwnas({"eval", "--arch", "configs/archs/mobilenet-v2.arch.json", "--weights",
                      "x.weights", "--config", cfg});
  CHECK(r.rc == 2);
  CHECK_THAT(r.err, Catch::Contains("x.weights: no such file"));
}

TEST_CASE("bench train prints throughput and memory", "[cli][bench]") {
  auto r = run_hwnas({"bench", "train", "--arch", kArch, "--batch", "16", "--threads", "1",
                      "--steps", "3", "--warmup", "1", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  json j = json::parse(r.out);
  for (auto k : {"ms_per_step", "images_per_s", "peak_rss_mib", "model_rss_mib"})
    CHECK(j[k].get<double>() > 0);
  CHECK(j["threads"] == 1);
  CHECK(run_hwnas({"bench", "train", "--arch", kArch, "--channels-last", "maybe"}).rc == 2);
  CHECK(run_hwnas({"bench"}).rc == 2);
}

TEST_CASE("a streamed image folder of mixed sizes trains a 3x32x32 net", "[cli][train]") {
  auto dir = test::temp_dir("train-stream");
  // Two classes told apart by brightness; every image a different size.
  for (std::string split : {"train", "test"})
    for (int k = 0; k < 2; ++k) {
      fs::create_directories(dir + "/data/" + split + "/c" + std::to_string(k));
      for (int i = 0; i < (split == "train" ? 12 : 4); ++i) {
        const int w = 36 + 3 * i, h = 40 + 2 * (i % 5);
        std::vector<std::uint8_t> rgb(std::size_t(w) * h * 3);
        for (std::size_t p = 0; p < rgb.size(); ++p)
          rgb[p] = std::uint8_t((k ? 170 : 20) + (p * 7 + i) % 60);
        stbi_write_png(
            (dir + "/data/" + split + "/c" + std::to_string(k) + "/" + std::to_string(i) + ".png")
                .c_str(),
            w, h, 3, rgb.data(), w * 3);
      }
    }
  write_file_atomic(dir + "/a.arch.json", R"({"format": "hwnas.arch/1", "name": "s",
    "input": [3, 32, 32], "num_classes": 2, "layers": [
    {"op": "conv", "out": 8, "k": 3, "stride": 2, "act": "relu6"}, {"op": "gap"},
    {"op": "linear", "out": 2}]})");
  const std::string body = "data: {dataset: folder, path: " + dir +
                           "/data, val_fraction: 0, stream: true, workers: 2, augment: {flip: "
                           "true}}\ntrain: {epochs: 2, batch: 4, optimizer: {lr: 0.05}}\n";
  auto cfg = write_config(dir, body);
  auto r = run_hwnas(
      {"train", "--arch", dir + "/a.arch.json", "--config", cfg, "--out", dir + "/run", "--json"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  json j = json::parse(r.out);
  CHECK(j["steps"] == 2 * 24 / 4);
  auto e = run_hwnas({"eval", "--arch", dir + "/run/arch.json", "--weights",
                      dir + "/run/model.weights", "--config", cfg, "--json"});
  INFO(e.err);
  REQUIRE(e.rc == 0);
  CHECK(json::parse(e.out)["images"] == 8);
  CHECK(json::parse(e.out)["test_accuracy"] == j["test_accuracy"]);
  CHECK_THAT(read_text_file(dir + "/run/config.yaml"), Catch::Contains("stream: true"));

  // Loaded whole, the images must already be the input's size: refused,
  // pointing at streaming.
  std::string whole = body;
  whole.replace(whole.find("stream: true"), 12, "stream: false");
  auto w = run_hwnas({"train", "--arch", dir + "/a.arch.json", "--config", write_config(dir, whole),
                      "--out", dir + "/run2"});
  CHECK(w.rc == 2);
  CHECK_THAT(w.err, Catch::Contains("data.stream: true"));
  CHECK_FALSE(fs::exists(dir + "/run2"));
  // Only a folder streams.
  auto other = run_hwnas({"train", "--arch", kArch, "--config",
                          write_config(dir, "data: {dataset: synthetic, stream: true}\n"), "--out",
                          dir + "/run3"});
  CHECK(other.rc == 2);
  CHECK_THAT(other.err, Catch::Contains("data.stream") && Catch::Contains("only a folder"));
}
