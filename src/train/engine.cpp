#include "hwnas/train/engine.h"

#include <cmath>
#include <filesystem>
#include <optional>

#include <ATen/autocast_mode.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hwnas/common/clock.h"
#include "hwnas/common/error.h"
#include "hwnas/common/launch_env.h"
#include "hwnas/common/progress.h"
#include "hwnas/common/stop.h"
#include "hwnas/nn/batch_norm.h"
#include "hwnas/nn/weights.h"
#include "hwnas/train/loader.h"

namespace hwnas {
namespace fs = std::filesystem;

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

EngineOptions engine_options(const TrainConfig& cfg, const DataOptions& data, std::uint64_t seed,
                             const torch::Device& device) {
  EngineOptions o;
  o.cfg = cfg;
  o.device = device;
  o.seed = seed;
  o.crop_pad = data.crop_pad;
  o.flip = data.flip;
  o.cutout = data.cutout;
  return o;
}

void clear_grads(const std::vector<torch::Tensor>& params) {
  for (auto p : params)
    if (p.grad().defined()) p.mutable_grad().reset();
}

namespace {

std::string eta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = std::int64_t(seconds);
  return s >= 3600 ? fmt::format("{}h{:02d}m", s / 3600, (s / 60) % 60)
                   : fmt::format("{}m{:02d}s", s / 60, s % 60);
}

// Where a run stands: `step` global batches of `global_batch` images, with
// `steps_per_epoch` of them an epoch.
struct Progress {
  std::int64_t step = 0, steps_per_epoch = 0, global_batch = 0;
  /// The same place for another world size: the epoch, and the images of
  /// it already seen in global batches of the new size.
  std::int64_t step_for(std::int64_t spe, std::int64_t batch) const {
    if (steps_per_epoch <= 0 || (spe == steps_per_epoch && batch == global_batch)) return step;
    const std::int64_t epoch = step / steps_per_epoch;
    const std::int64_t images = step % steps_per_epoch * global_batch;
    return epoch * spe + images / batch;
  }
};

void save_checkpoint(const RunDir& run, torch::nn::Module& model, torch::optim::Optimizer& opt,
                     const Progress& at, const EngineHooks& hooks) {
  torch::serialize::OutputArchive ar, m, o, extra;
  write_tensors(model, m);
  opt.save(o);
  ar.write("model", m);
  ar.write("optimizer", o);
  ar.write("step", torch::tensor(at.step, torch::kInt64));
  ar.write("steps_per_epoch", torch::tensor(at.steps_per_epoch, torch::kInt64));
  ar.write("global_batch", torch::tensor(at.global_batch, torch::kInt64));
  ar.write("rng", at::detail::getDefaultCPUGenerator().get_state());
  if (hooks.save) {
    hooks.save(extra);
    ar.write("extra", extra);
  }
  save_archive_atomic(ar, run.file("checkpoints/last.ckpt"));
}

Progress load_checkpoint(const RunDir& run, torch::nn::Module& model, torch::optim::Optimizer& opt,
                         const EngineHooks& hooks) {
  const std::string path = run.file("checkpoints/last.ckpt");
  if (!fs::exists(path)) throw InputError(run.path(), "has no checkpoint to resume from");
  torch::serialize::InputArchive ar, m, o, extra;
  torch::Tensor step, rng, spe, batch;
  try {
    ar.load_from(path);
    ar.read("model", m);
    ar.read("optimizer", o);
    ar.read("step", step);
    ar.read("rng", rng);
    // Checkpoints before multi-process runs lack these: resumed as written.
    if (ar.try_read("steps_per_epoch", spe) && ar.try_read("global_batch", batch)) {
    }
    if (hooks.load) ar.read("extra", extra);
  } catch (const c10::Error&) {
    throw InputError(path, "is not a hwnas checkpoint of this run");
  }
  read_tensors(model, m, path);
  opt.load(o);
  if (hooks.load) hooks.load(extra);
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  gen.set_state(rng);
  Progress at;
  at.step = step.item<std::int64_t>();
  if (spe.defined() && batch.defined())
    at.steps_per_epoch = spe.item<std::int64_t>(), at.global_batch = batch.item<std::int64_t>();
  return at;
}

// Sums of a stretch of steps: loss * images, correct, images.
struct Sums {
  double loss = 0, correct = 0, seen = 0;
  void add(double l, double c, double n) { loss += l * n, correct += c, seen += n; }
  void reduce(Communicator& comm) {
    std::vector<double> v{loss, correct, seen};
    comm.sum(v);
    loss = v[0], correct = v[1], seen = v[2];
  }
};

}  // namespace

EngineResult run_engine(torch::nn::Module& model, const std::vector<torch::Tensor>& params,
                        const ImageSet& train, const ChannelStats& norm, const EngineOptions& opt,
                        const EngineHooks& hooks, const RunDir* run) {
  HWNAS_ASSERT(bool(hooks.forward), "run_engine(): no forward hook");
  const TrainConfig& cfg = opt.cfg;
  Communicator& comm = opt.comm ? *opt.comm : local_communicator();
  LoaderOptions lo;
  lo.batch = cfg.batch;
  lo.seed = opt.seed;
  lo.mean = norm.mean;
  lo.std = norm.std;
  lo.crop_pad = opt.crop_pad;
  lo.flip = opt.flip;
  lo.cutout = opt.cutout;
  lo.train_views = true;
  lo.rank = comm.rank();
  lo.world = comm.size();
  BatchLoader loader(train, lo);
  const std::int64_t spe = loader.batches_per_epoch();
  const std::int64_t total = std::int64_t(cfg.epochs) * spe;
  auto optimizer = make_optimizer(params, cfg.optimizer);

  std::int64_t step = 0;
  if (opt.resume) {
    HWNAS_ASSERT(run, "run_engine(): resume without a run directory");
    const Progress saved = load_checkpoint(*run, model, *optimizer, hooks);
    run->truncate_events(saved.step);
    // Another world size: the same epoch and images seen, in the new global batches.
    step = saved.step_for(spe, std::int64_t(cfg.batch) * comm.size());
    if (step != saved.step)
      spdlog::warn("resuming with a global batch of {} images (was {}): step {} is now step {}",
                   std::int64_t(cfg.batch) * comm.size(), saved.global_batch, saved.step, step);
    if (hooks.on_resume) hooks.on_resume(saved.step);
    spdlog::info("resuming {} at step {}/{}", run->path(), step, total);
  }
  auto checkpoint = [&] {
    if (run)
      save_checkpoint(*run, model, *optimizer, {step, spe, std::int64_t(cfg.batch) * comm.size()},
                      hooks);
  };
  auto event = [&](const json& e) {
    if (run && comm.rank() == 0) run->event(e);
  };
  const auto level = opt.verbose ? spdlog::level::info : spdlog::level::debug;
  torch::nn::functional::CrossEntropyFuncOptions ce;
  ce.label_smoothing(cfg.label_smoothing);
  const bool cuda = opt.device.is_cuda();
  if (cuda) at::globalContext().setBenchmarkCuDNN(true);  // fixed shapes: let cuDNN pick kernels
  const bool amp = cuda && cfg.amp == "bf16";

  // sync_bn: BatchNorm in training mode uses the global batch's statistics.
  std::optional<BatchNormSync> sync_bn;
  if (cfg.sync_bn && comm.size() > 1) sync_bn.emplace([&comm](torch::Tensor& t) { comm.sum(t); });
  loader.start(step / spe, step % spe);
  model.train();
  EngineResult res;
  const auto t0 = Clock::now();
  const std::int64_t first_step = step;
  // On a terminal one line follows the steps, and the periodic lines go to
  // the debug level; elsewhere the lines are logged as before.
  std::optional<ProgressLine> bar;
  if (opt.verbose && comm.rank() == 0 && progress_enabled()) bar.emplace("training", total, step);
  const auto step_level = bar ? spdlog::level::debug : level;
  std::string figure;  // the latest window's figures, for the progress line
  Sums window, epoch_sums;
  auto window_t0 = Clock::now();
  while (step < total) {
    if (comm.any(stop_requested().load() || (opt.stop_after > 0 && step >= opt.stop_after))) {
      checkpoint();
      event({{"event", "interrupted"}, {"step", step}});
      res.interrupted = true;
      break;
    }
    const int epoch = int(step / spe);
    Batch b = loader.next();
    if (cuda) b.x = b.x.to(opt.device, /*non_blocking=*/true), b.y = b.y.to(opt.device, true);
    const double lr = lr_at(cfg, step, spe);
    for (auto& g : optimizer->param_groups()) g.options().set_lr(lr);
    if (amp) {
      at::autocast::set_enabled(true);
      at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    }
    auto logits = hooks.forward(b.x, step, epoch);
    if (amp) {
      at::autocast::set_enabled(false);
      at::autocast::clear_cache();
      logits = logits.to(torch::kFloat32);
    }
    auto loss = torch::nn::functional::cross_entropy(logits, b.y, ce);
    clear_grads(params);  // paths the pass did not reach keep no gradient: SGD leaves them alone
    loss.backward();
    comm.average_gradients(params);
    if (cfg.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, cfg.grad_clip);
    optimizer->step();
    const double l = loss.item<double>(), n = double(b.y.size(0));
    const double correct = logits.argmax(1).eq(b.y).sum().item<double>();
    window.add(l, correct, n);
    epoch_sums.add(l, correct, n);
    res.final_train_loss = l;
    if (hooks.after_step) hooks.after_step(step, epoch);
    ++step;
    const bool epoch_end = step % spe == 0;
    if (opt.sync_check_every > 0 && (step % opt.sync_check_every == 0 || epoch_end))
      comm.check_in_sync(params, hooks.sync_state ? hooks.sync_state() : "", step);
    if (process_launch().fault_exit_after(step)) std::_Exit(75);  // tests: a rank dies once

    if (step % opt.log_every == 0 || epoch_end) {
      window.reduce(comm);
      const double ips = window.seen / std::max(seconds_since(window_t0), 1e-9);
      const double per_step = seconds_since(t0) / double(step - first_step);
      json e = {{"step", step},
                {"epoch", epoch},
                {"loss", window.loss / window.seen},
                {"accuracy", window.correct / window.seen},
                {"lr", lr},
                {"images_per_s", ips}};
      std::string extra;
      if (hooks.on_log) hooks.on_log(e, extra, step);
      event(e);
      figure = fmt::format("epoch {}/{} loss {:.4f} acc {:.1f}%{}", epoch + 1, cfg.epochs,
                           window.loss / window.seen, 100.0 * window.correct / window.seen, extra);
      spdlog::log(
          step_level,
          "epoch {}/{} step {}/{} loss {:.4f} acc {:.1f}% lr {:.4g}{} | {:.0f} img/s ETA {}",
          epoch + 1, cfg.epochs, (step - 1) % spe + 1, spe, window.loss / window.seen,
          100.0 * window.correct / window.seen, lr, extra, ips,
          eta(per_step * double(total - step)));
      window = Sums{};
      window_t0 = Clock::now();
    }
    // Until the first log window, the progress line shows the running means.
    if (bar)
      bar->update(
          step, !figure.empty() || window.seen == 0
                    ? figure
                    : fmt::format("epoch {}/{} loss {:.4f} acc {:.1f}%", epoch + 1, cfg.epochs,
                                  window.loss / window.seen, 100.0 * window.correct / window.seen));
    if (epoch_end) {
      if (hooks.on_epoch_end) hooks.on_epoch_end(step, epoch);
      epoch_sums.reduce(comm);
      json e = {{"event", "epoch"},
                {"step", step},
                {"epoch", epoch},
                {"train_loss", epoch_sums.loss / epoch_sums.seen},
                {"train_accuracy", epoch_sums.correct / epoch_sums.seen}};
      if (opt.val && opt.val->size() > 0 && hooks.evaluate) {
        auto [top1, vloss] = hooks.evaluate(*opt.val);
        e["val_accuracy"] = top1;
        e["val_loss"] = vloss;
        spdlog::log(level, "epoch {} validation: top-1 {:.2f}% loss {:.4f}", epoch + 1, 100 * top1,
                    vloss);
      }
      event(e);
      epoch_sums = Sums{};
      checkpoint();
    } else if (step % opt.checkpoint_every == 0) {
      checkpoint();
    }
  }
  res.steps = step;
  res.seconds = seconds_since(t0);
  return res;
}

}  // namespace hwnas
