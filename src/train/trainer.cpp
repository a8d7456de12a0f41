#include "hwnas/train/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>

#include <ATen/autocast_mode.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hwnas/common/clock.h"
#include "hwnas/common/error.h"
#include "hwnas/nn/weights.h"
#include "hwnas/train/loader.h"

namespace hwnas {
namespace fs = std::filesystem;

namespace {

std::string eta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = std::int64_t(seconds);
  return s >= 3600 ? fmt::format("{}h{:02d}m", s / 3600, (s / 60) % 60)
                   : fmt::format("{}m{:02d}s", s / 60, s % 60);
}

}  // namespace

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::vector<torch::Tensor>& params,
                                                        const OptimizerConfig& o) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& p : params) (p.dim() > 1 ? decay : no_decay).push_back(p);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto add = [&](auto options) {
    using Opt = decltype(options);
    groups.emplace_back(decay, std::make_unique<Opt>(Opt(options).weight_decay(o.weight_decay)));
    groups.emplace_back(no_decay, std::make_unique<Opt>(Opt(options).weight_decay(0)));
  };
  if (o.type == "sgd") {
    auto opts = torch::optim::SGDOptions(o.lr).momentum(o.momentum).nesterov(o.nesterov);
    add(opts);
    return std::make_unique<torch::optim::SGD>(std::move(groups), opts);
  }
  if (o.type == "adam") {
    auto opts = torch::optim::AdamOptions(o.lr);
    add(opts);
    return std::make_unique<torch::optim::Adam>(std::move(groups), opts);
  }
  auto opts = torch::optim::AdamWOptions(o.lr);
  add(opts);
  return std::make_unique<torch::optim::AdamW>(std::move(groups), opts);
}

namespace {

void save_checkpoint(const RunDir& run, torch::nn::Module& net, torch::optim::Optimizer& opt,
                     std::int64_t step) {
  torch::serialize::OutputArchive ar, model, optim;
  write_tensors(net, model);
  opt.save(optim);
  ar.write("model", model);
  ar.write("optimizer", optim);
  ar.write("step", torch::tensor(step, torch::kInt64));
  ar.write("rng", at::detail::getDefaultCPUGenerator().get_state());
  save_archive_atomic(ar, run.file("checkpoints/last.ckpt"));
}

std::int64_t load_checkpoint(const RunDir& run, torch::nn::Module& net,
                             torch::optim::Optimizer& opt) {
  const std::string path = run.file("checkpoints/last.ckpt");
  if (!fs::exists(path)) throw InputError(run.path(), "has no checkpoint to resume from");
  torch::serialize::InputArchive ar, model, optim;
  try {
    ar.load_from(path);
    ar.read("model", model);
    ar.read("optimizer", optim);
  } catch (const c10::Error&) {
    throw InputError(path, "is not a hwnas checkpoint");
  }
  read_tensors(net, model, path);
  opt.load(optim);
  torch::Tensor step, rng;
  ar.read("step", step);
  ar.read("rng", rng);
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  gen.set_state(rng);
  return step.item<std::int64_t>();
}

}  // namespace

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

double lr_at(const TrainConfig& cfg, std::int64_t step, std::int64_t steps_per_epoch) {
  const double base = cfg.optimizer.lr;
  const double warm = cfg.schedule.warmup_epochs * double(steps_per_epoch);
  if (double(step) < warm) return base * double(step + 1) / warm;
  const auto& s = cfg.schedule;
  if (s.type == "constant") return base;
  if (s.type == "step") {
    const std::int64_t epoch = step / steps_per_epoch;
    int passed = 0;
    for (int m : s.milestones) passed += epoch >= m;
    return base * std::pow(s.gamma, passed);
  }
  const double total = double(cfg.epochs) * double(steps_per_epoch);
  const double t = std::clamp((double(step) - warm) / std::max(1.0, total - warm), 0.0, 1.0);
  return s.min_lr + (base - s.min_lr) * 0.5 * (1.0 + std::cos(M_PI * t));
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
  const TrainConfig& cfg = opt.cfg;
  LoaderOptions lo;
  lo.batch = cfg.batch;
  lo.seed = opt.seed;
  lo.mean = data.norm.mean;
  lo.std = data.norm.std;
  lo.crop_pad = opt.crop_pad;
  lo.flip = opt.flip;
  lo.cutout = opt.cutout;
  BatchLoader loader(data.train, lo);
  const std::int64_t spe = loader.batches_per_epoch();
  const std::int64_t total = std::int64_t(cfg.epochs) * spe;
  auto optimizer = make_optimizer(net->parameters(), cfg.optimizer);

  std::int64_t step = 0;
  if (opt.resume) {
    step = load_checkpoint(run, *net, *optimizer);
    run.truncate_events(step);
    spdlog::info("resuming {} at step {}/{}", run.path(), step, total);
  }
  loader.start(step / spe, step % spe);
  net->train();
  TrainResult res;
  const auto t0 = Clock::now();
  const std::int64_t first_step = step;
  double loss_sum = 0, seen = 0, correct = 0;
  auto window_t0 = Clock::now();
  std::int64_t window_images = 0;
  torch::nn::functional::CrossEntropyFuncOptions ce;
  ce.label_smoothing(cfg.label_smoothing);
  const bool cuda = opt.device.is_cuda();
  if (cuda) at::globalContext().setBenchmarkCuDNN(true);  // fixed shapes: let cuDNN pick kernels
  const bool amp = cuda && cfg.amp == "bf16";

  while (step < total) {
    if (stop_requested().load() || (opt.stop_after > 0 && step >= opt.stop_after)) {
      save_checkpoint(run, *net, *optimizer, step);
      run.event({{"event", "interrupted"}, {"step", step}});
      res.interrupted = true;
      break;
    }
    Batch b = loader.next();
    if (cuda) b.x = b.x.to(opt.device, /*non_blocking=*/true), b.y = b.y.to(opt.device, true);
    const double lr = lr_at(cfg, step, spe);
    for (auto& g : optimizer->param_groups()) g.options().set_lr(lr);
    if (amp) {
      at::autocast::set_enabled(true);
      at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    }
    auto logits = net->forward(b.x);
    if (amp) {
      at::autocast::set_enabled(false);
      at::autocast::clear_cache();
      logits = logits.to(torch::kFloat32);
    }
    auto loss = torch::nn::functional::cross_entropy(logits, b.y, ce);
    optimizer->zero_grad();
    loss.backward();
    if (cfg.grad_clip > 0) torch::nn::utils::clip_grad_norm_(net->parameters(), cfg.grad_clip);
    optimizer->step();
    ++step;
    const double l = loss.item<double>();
    loss_sum += l * double(b.y.size(0));
    correct += logits.argmax(1).eq(b.y).sum().item<double>();
    seen += double(b.y.size(0));
    window_images += b.y.size(0);
    res.final_train_loss = l;

    const bool epoch_end = step % spe == 0;
    if (step % opt.log_every == 0 || epoch_end) {
      const double ips = double(window_images) / std::max(seconds_since(window_t0), 1e-9);
      const double per_step = seconds_since(t0) / double(step - first_step);
      spdlog::info("epoch {}/{} step {}/{} loss {:.4f} acc {:.1f}% lr {:.4g} {:.0f} img/s ETA {}",
                   (step - 1) / spe + 1, cfg.epochs, (step - 1) % spe + 1, spe, loss_sum / seen,
                   100.0 * correct / seen, lr, ips, eta(per_step * double(total - step)));
      run.event({{"step", step},
                 {"epoch", (step - 1) / spe},
                 {"loss", loss_sum / seen},
                 {"accuracy", correct / seen},
                 {"lr", lr},
                 {"images_per_s", ips}});
      window_t0 = Clock::now();
      window_images = 0;
    }
    if (epoch_end) {
      json e = {{"event", "epoch"},
                {"step", step},
                {"epoch", step / spe - 1},
                {"train_loss", loss_sum / seen},
                {"train_accuracy", correct / seen}};
      if (opt.val && opt.val->size() > 0) {
        EvalResult v = evaluate(net, *opt.val, data.norm);
        e["val_accuracy"] = v.top1;
        e["val_loss"] = v.loss;
        spdlog::info("epoch {} validation: top-1 {:.2f}% loss {:.4f}", step / spe, 100 * v.top1,
                     v.loss);
      }
      run.event(e);
      loss_sum = seen = correct = 0;
      save_checkpoint(run, *net, *optimizer, step);
    } else if (step % opt.checkpoint_every == 0) {
      save_checkpoint(run, *net, *optimizer, step);
    }
  }
  res.steps = step;
  res.seconds = seconds_since(t0);
  return res;
}

}  // namespace hwnas
