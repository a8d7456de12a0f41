// The training engine on real Fashion-MNIST and synthetic data.
#include <stb_image_write.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "../support.h"
#include "hwnas/data/readers.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/weights.h"
#include "hwnas/train/loader.h"
#include "hwnas/train/trainer.h"

using namespace hwnas;
namespace fs = std::filesystem;

namespace {

Arch tiny_arch(bool dropout) {
  auto doc = parse_json(
      std::string(R"({"format": "hwnas.arch/1", "name": "tiny", "input": [1, 28, 28],
    "num_classes": 10, "layers": [
      {"op": "conv", "out": 16, "k": 3, "stride": 2, "act": "relu6"},
      {"op": "mbconv", "out": 24, "k": 3, "e": 3, "stride": 2},
      {"op": "mbconv", "out": 24, "k": 5, "e": 3},
      {"op": "gap"},)") +
          (dropout ? R"({"op": "dropout", "p": 0.2},)" : "") + R"({"op": "linear", "out": 10}]})",
      "tiny.arch.json");
  return read_arch(doc);
}

TrainConfig schedule(int epochs, int batch, double lr) {
  TrainConfig t;
  t.epochs = epochs;
  t.batch = batch;
  t.optimizer.lr = lr;
  t.schedule.warmup_epochs = 0.1;
  return t;
}

std::map<std::string, torch::Tensor> state(ArchNet& net) {
  std::map<std::string, torch::Tensor> s;
  for (auto& p : net->named_parameters()) s[p.key()] = p.value().detach().clone();
  for (auto& b : net->named_buffers()) s[b.key()] = b.value().clone();
  return s;
}

}  // namespace

TEST_CASE("a tiny net beats 75% on real Fashion-MNIST in a few hundred steps", "[train]") {
  torch::set_num_threads(2);
  torch::manual_seed(0);
  DataOptions dc;
  dc.train_limit = 19200;  // 300 steps of 64
  dc.test_limit = 2000;
  Datasets data = load_datasets(dc, {1, 28, 28}, 10, 0, false);
  ArchNet net(tiny_arch(false));
  net->set_channels_last(true);
  TrainOptions opt;
  opt.cfg = schedule(1, 64, 0.1);
  auto run = RunDir::create(test::temp_dir("fmnist") + "/run");
  TrainResult r = train_network(net, data, opt, run);
  CHECK(r.steps == 300);
  EvalResult ev = evaluate(net, data.test, data.norm);
  INFO("test top-1 " << ev.top1);
  CHECK(ev.top1 > 0.75);
  CHECK(ev.top5 >= ev.top1);
  CHECK(ev.images == 2000);
  CHECK(fs::exists(run.file("checkpoints/last.ckpt")));
  CHECK(fs::file_size(run.file("events.jsonl")) > 0);
}

TEST_CASE("a run interrupted mid-epoch and resumed ends with the same weights", "[train]") {
  torch::set_num_threads(2);
  DataOptions dc;
  dc.dataset = "synthetic";
  dc.train_limit = 640;
  Datasets data = load_datasets(dc, {1, 28, 28}, 10, 5, false);
  TrainOptions opt;
  opt.cfg = schedule(2, 32, 0.05);  // 20 steps per epoch
  opt.seed = 5;
  opt.crop_pad = 2, opt.flip = true, opt.cutout = 4;  // augmentation RNG must resume too
  opt.checkpoint_every = 7;

  torch::manual_seed(5);
  ArchNet whole(tiny_arch(true));
  train_network(whole, data, opt, RunDir::create(test::temp_dir("whole") + "/run"));

  const std::string dir = test::temp_dir("parts") + "/run";
  torch::manual_seed(5);
  ArchNet first(tiny_arch(true));
  TrainOptions stop = opt;
  stop.stop_after = 27;  // mid second epoch, between checkpoints
  TrainResult r1 = train_network(first, data, stop, RunDir::create(dir));
  CHECK(r1.interrupted);
  CHECK(r1.steps == 27);

  torch::manual_seed(123);  // a different init: everything must come from the checkpoint
  at::manual_seed(99);
  ArchNet second(tiny_arch(true));
  TrainOptions resume = opt;
  resume.resume = true;
  TrainResult r2 = train_network(second, data, resume, RunDir::reopen(dir));
  CHECK_FALSE(r2.interrupted);
  CHECK(r2.steps == 40);
  auto a = state(whole), b = state(second);
  REQUIRE(a.size() == b.size());
  for (auto& [k, v] : a) {
    INFO(k);
    CHECK(torch::equal(v, b[k]));
  }
}

TEST_CASE("lr schedules: warm-up, cosine, step", "[train]") {
  TrainConfig t = schedule(10, 64, 0.1);
  t.schedule.warmup_epochs = 1;
  CHECK(lr_at(t, 0, 100) == Approx(0.001));
  CHECK(lr_at(t, 99, 100) == Approx(0.1));
  CHECK(lr_at(t, 100, 100) == Approx(0.1));
  CHECK(lr_at(t, 550, 100) == Approx(0.05));
  CHECK(lr_at(t, 1000, 100) == Approx(0.0).margin(1e-12));
  t.schedule.type = "step";
  t.schedule.warmup_epochs = 0;
  t.schedule.milestones = {3, 6};
  t.schedule.gamma = 0.1;
  CHECK(lr_at(t, 299, 100) == Approx(0.1));
  CHECK(lr_at(t, 300, 100) == Approx(0.01));
  CHECK(lr_at(t, 650, 100) == Approx(0.001));
}

TEST_CASE("batches depend only on seed, epoch and index", "[train]") {
  ImageSet set = make_synthetic({3, 8, 8}, 4, 100, 1);
  LoaderOptions lo;
  lo.batch = 16;
  lo.seed = 3;
  lo.crop_pad = 2, lo.flip = true, lo.cutout = 3;
  lo.mean = {0.5, 0.5, 0.5};
  lo.std = {0.25, 0.25, 0.25};
  BatchLoader loader(set, lo);
  CHECK(loader.batches_per_epoch() == 6);
  loader.start(1, 4);
  Batch a = loader.next(), b = loader.next(), c = loader.next();
  CHECK((a.epoch == 1 && a.index == 4 && b.index == 5 && c.epoch == 2 && c.index == 0));
  CHECK(torch::equal(a.x, loader.make(1, 4).x));
  CHECK(torch::equal(c.y, loader.make(2, 0).y));
  CHECK(!torch::equal(loader.make(1, 0).y, loader.make(2, 0).y));  // reshuffled per epoch
  // Without augmentation a pixel is (p / 255 - mean) / std.
  LoaderOptions plain = lo;
  plain.shuffle = false, plain.crop_pad = 0, plain.flip = false, plain.cutout = 0;
  BatchLoader pl(set, plain);
  Batch p = pl.make(0, 0);
  CHECK(p.x[0][2][3][4].item<float>() ==
        Approx((set.pixels[2 * 64 + 3 * 8 + 4] / 255.0 - 0.5) / 0.25).epsilon(1e-5));
  CHECK(p.y[1].item<std::int64_t>() == set.labels[1]);
}

TEST_CASE("streamed batches are the same whatever the decode threads", "[train]") {
  auto dir = test::temp_dir("stream-loader");
  for (int k = 0; k < 3; ++k) {
    fs::create_directories(dir + "/train/c" + std::to_string(k));
    for (int i = 0; i < 5; ++i) {  // sizes vary; pixels vary by class and image
      const int w = 20 + 7 * i, h = 18 + 5 * k;
      std::vector<std::uint8_t> rgb(std::size_t(w) * h * 3);
      for (std::size_t p = 0; p < rgb.size(); ++p) rgb[p] = std::uint8_t((p * (k + 3) + i) % 251);
      stbi_write_png(
          (dir + "/train/c" + std::to_string(k) + "/" + std::to_string(i) + ".png").c_str(), w, h,
          3, rgb.data(), w * 3);
    }
  }
  ImageSet set = list_image_folder(dir, "train", {3, 12, 12});
  LoaderOptions lo;
  lo.batch = 6;
  lo.seed = 5;
  lo.flip = true, lo.cutout = 2, lo.train_views = true;
  lo.mean = {0.5, 0.5, 0.5};
  lo.std = {0.25, 0.25, 0.25};
  set.decode_threads = 1;
  BatchLoader one(set, lo);
  const Batch a = one.make(1, 1);
  CHECK(a.x.sizes() == torch::IntArrayRef({6, 3, 12, 12}));
  set.decode_threads = 4;
  BatchLoader four(set, lo);
  CHECK(torch::equal(a.x, four.make(1, 1).x));
  CHECK(torch::equal(a.y, four.make(1, 1).y));
  CHECK(!torch::equal(a.x, four.make(1, 2).x));
  // Background production gives the same batches.
  four.start(1, 1);
  CHECK(torch::equal(four.next().x, a.x));
  // Evaluation views (centre crops, no augmentation) are fixed.
  LoaderOptions eval = lo;
  eval.train_views = false, eval.flip = false, eval.cutout = 0, eval.shuffle = false;
  BatchLoader ev(set, eval);
  CHECK(torch::equal(ev.make(0, 0).x, ev.make(3, 0).x));
}
