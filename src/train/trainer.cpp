#include "hwnas/train/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hwnas/common/clock.h"
#include "hwnas/common/error.h"
#include "hwnas/nn/weights.h"
#include "hwnas/train/loader.h"

namespace hwnas {
namespace fs = std::filesystem;

int set_threads(int threads) {
  const int n = threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(n);
  return n;
}

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw InputError(
          "--device",
          name + " was asked for, but this libtorch build or machine has no CUDA device");
    return torch::Device(name);
  }
  throw InputError("--device", "expected cpu or cuda[:N], got '" + name + "'");
}

namespace {
// Every image once, in set order, normalised, not augmented.
LoaderOptions in_order(int batch, const ChannelStats& norm) {
  LoaderOptions lo;
  lo.batch = batch;
  lo.shuffle = false;
  lo.drop_last = false;
  lo.mean = norm.mean;
  lo.std = norm.std;
  return lo;
}
}  // namespace

EvalResult evaluate(ArchNet& net, const ImageSet& set, const ChannelStats& norm, int batch,
                    std::vector<std::int64_t>* predictions) {
  BatchLoader loader(set, in_order(batch, norm));
  const bool was_training = net->is_training();
  net->eval();
  torch::NoGradGuard no_grad;
  EvalResult r;
  double loss_sum = 0;
  std::int64_t top1 = 0, top5 = 0;
  auto t0 = Clock::now();
  for (std::int64_t i = 0; i < loader.batches_per_epoch(); ++i) {
    Batch b = loader.make(0, i);
    const auto dev = net->parameters().front().device();
    b.x = b.x.to(dev), b.y = b.y.to(dev);
    auto logits = net->forward(b.x);
    loss_sum +=
        torch::nn::functional::cross_entropy(
            logits, b.y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
            .item<double>();
    const int k = std::min<int>(5, int(logits.size(1)));
    auto topk = std::get<1>(logits.topk(k, 1));
    auto hit = topk.eq(b.y.unsqueeze(1));
    if (predictions) {
      auto top = topk.select(1, 0).to(torch::kCPU).contiguous();
      predictions->insert(predictions->end(), top.data_ptr<std::int64_t>(),
                          top.data_ptr<std::int64_t>() + top.numel());
    }
    top1 += hit.select(1, 0).sum().item<std::int64_t>();
    top5 += hit.any(1).sum().item<std::int64_t>();
    r.images += b.y.size(0);
  }
  const double secs = seconds_since(t0);
  r.top1 = double(top1) / double(r.images);
  r.top5 = double(top5) / double(r.images);
  r.loss = loss_sum / double(r.images);
  r.images_per_s = double(r.images) / std::max(secs, 1e-9);
  if (was_training) net->train();
  return r;
}

void recalibrate_batchnorm(ArchNet& net, const ImageSet& set, const ChannelStats& norm, int batches,
                           int batch) {
  std::vector<torch::nn::BatchNorm2dImpl*> bns;
  for (auto& m : net->modules(/*include_self=*/false))
    if (auto* bn = m->as<torch::nn::BatchNorm2d>()) bns.push_back(bn);
  std::vector<c10::optional<double>> momentum;
  for (auto* bn : bns) {
    momentum.push_back(bn->options.momentum());
    bn->reset_running_stats();
    bn->options.momentum(c10::nullopt);  // cumulative moving average
  }
  LoaderOptions lo = in_order(batch, norm);
  lo.shuffle = true;  // a mix of classes in every batch
  BatchLoader loader(set, lo);
  const bool was_training = net->is_training();
  net->train();
  torch::NoGradGuard no_grad;
  const auto dev = net->parameters().front().device();
  for (std::int64_t i = 0; i < std::min<std::int64_t>(batches, loader.batches_per_epoch()); ++i)
    net->forward(loader.make(0, i).x.to(dev));
  for (std::size_t i = 0; i < bns.size(); ++i) bns[i]->options.momentum(momentum[i]);
  if (!was_training) net->eval();
}

TrainResult train_network(ArchNet& net, const Datasets& data, const TrainOptions& opt,
                          const RunDir& run) {
  EngineHooks hooks;
  hooks.forward = [&](const torch::Tensor& x, std::int64_t, int) { return net->forward(x); };
  hooks.evaluate = [&](const ImageSet& val) {
    EvalResult v = evaluate(net, val, data.norm);
    return std::make_pair(v.top1, v.loss);
  };
  return run_engine(*net, net->parameters(), data.train, data.norm, opt, hooks, &run);
}

}  // namespace hwnas
