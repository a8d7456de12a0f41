// hwnas train: train an arch from scratch with a config's schedule.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/weights.h"
#include "hwnas/train/trainer.h"

namespace hwnas::cli {
namespace fs = std::filesystem;

namespace {

struct TrainCliOptions {
  std::string arch, config, out, resume, device = "cpu";
  int threads = 0;
  std::int64_t seed = -1;
};

void run_train(const TrainCliOptions& o, Context& ctx) {
  RunConfig cfg =
      load_run_config(o.resume.empty() ? o.config : (fs::path(o.resume) / "config.yaml").string());
  if (o.seed >= 0) cfg.seed = std::uint64_t(o.seed);
  cfg.threads = set_threads(o.threads > 0 ? o.threads : cfg.threads);
  Arch arch = load_arch(o.resume.empty() ? o.arch : (fs::path(o.resume) / "arch.json").string());
  Datasets data =
      load_datasets(cfg.data.for_retrain(), arch.input, arch.num_classes, cfg.seed, false);
  if (arch.preprocess)
    data.norm = {arch.preprocess->mean, arch.preprocess->std};
  else
    arch.preprocess = Preprocess{data.norm.mean, data.norm.std};

  const torch::Device device =
      parse_device(o.device);  // every input checked before the run dir exists
  const bool resume = !o.resume.empty();
  const std::string dir =
      resume
          ? o.resume
          : (!o.out.empty() ? o.out : (fs::path(cfg.out) / (cfg.name + "-" + arch.name)).string());
  RunDir run = resume ? RunDir::reopen(dir) : RunDir::create(dir);
  if (!resume) {
    write_file_atomic(run.file("config.yaml"), to_yaml(cfg.to_json()));
    save_arch(arch, run.file("arch.json"));
  }
  torch::manual_seed(cfg.seed);
  ArchNet net(arch);
  net->to(device);
  const TrainConfig& tc = cfg.final_training();
  net->set_channels_last(tc.channels_last != "off");
  TrainOptions to;
  to.cfg = tc;
  to.seed = cfg.seed;
  to.resume = resume;
  to.device = device;
  to.crop_pad = cfg.data.crop_pad, to.flip = cfg.data.flip, to.cutout = cfg.data.cutout;
  spdlog::info("training {} ({} params) on {} ({} images), {} epochs, {} threads -> {}", arch.name,
               count_parameters(*net), cfg.data.dataset, data.train.size(), tc.epochs, cfg.threads,
               dir);
  install_stop_handlers();
  TrainResult r = train_network(net, data, to, run);
  if (r.interrupted) {
    spdlog::warn("interrupted at step {}; continue with: hwnas train --resume {}", r.steps, dir);
    if (ctx.json) print_json({{"run_dir", dir}, {"interrupted", true}, {"steps", r.steps}});
    ctx.exit_code = 130;
    return;
  }
  const std::string weights = run.file("model.weights");
  save_weights(*net, weights);
  EvalResult ev = evaluate(net, data.test, data.norm);
  run.event({{"event", "done"},
             {"step", r.steps},
             {"test_accuracy", ev.top1},
             {"test_top5", ev.top5},
             {"test_loss", ev.loss},
             {"seconds", r.seconds}});
  write_file_atomic(
      run.file("summary.md"),
      fmt::format("# {}\n\nTrained {} epochs ({} steps) in {:.1f} s on {} threads.\n\n"
                  "| test top-1 | test top-5 | test loss | params |\n|---|---|---|---|\n"
                  "| {:.2f}% | {:.2f}% | {:.4f} | {} |\n",
                  arch.name, tc.epochs, r.steps, r.seconds, cfg.threads, 100 * ev.top1,
                  100 * ev.top5, ev.loss, count_parameters(*net)));
  if (ctx.json) {
    print_json({{"run_dir", dir},
                {"weights", weights},
                {"arch", run.file("arch.json")},
                {"test_accuracy", ev.top1},
                {"top5", ev.top5},
                {"loss", ev.loss},
                {"steps", r.steps},
                {"seconds", r.seconds}});
    return;
  }
  std::cout << fmt::format(
      "{}: test top-1 {:.2f}%, top-5 {:.2f}%, loss {:.4f} after {} steps ({:.1f} s)\n"
      "weights: {}\nrun directory: {}\n",
      arch.name, 100 * ev.top1, 100 * ev.top5, ev.loss, r.steps, r.seconds, weights, dir);
}

}  // namespace

void register_train(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<TrainCliOptions>();
  auto* cmd = app.add_subcommand("train", "Train an architecture from scratch");
  auto* arch = cmd->add_option("--arch", o->arch, "Architecture JSON");
  auto* config =
      cmd->add_option("--config", o->config, "Run config (uses `retrain:`, else `train:`)");
  auto* out = cmd->add_option("--out", o->out, "Run directory (default: <out>/<name>-<arch name>)");
  auto* resume = cmd->add_option("--resume", o->resume, "Continue the run in this directory");
  cmd->add_option("--threads", o->threads, "Threads (default: the config's, else all cores)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--seed", o->seed, "Seed (overrides the config)")
      ->check(CLI::Range(std::int64_t(0), INT64_MAX));
  cmd->add_option("--device", o->device, "cpu or cuda[:N] (default: cpu)");
  resume->excludes(arch)->excludes(config)->excludes(out);
  cmd->callback([o, &ctx, arch, config] {
    if (o->resume.empty() && (arch->count() == 0 || config->count() == 0))
      throw CLI::ValidationError("train", "give --arch and --config, or --resume DIR");
    ctx.run = [o, &ctx] { run_train(*o, ctx); };
  });
}

int set_threads(int threads) {
  int n = threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(n);
  return n;
}

}  // namespace hwnas::cli
