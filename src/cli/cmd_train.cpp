// hwnas train: train an arch from scratch with a config's schedule.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.h"
#include "hwnas/common/launch_env.h"
#include "hwnas/common/stop.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/train/train_run.h"

namespace hwnas::cli {
namespace fs = std::filesystem;

namespace {

struct TrainCliOptions {
  std::string arch, config, out, resume, device = "cpu";
  int threads = 0;
  std::int64_t seed = -1;
};

void run_train(const TrainCliOptions& request, Context& ctx) {
  TrainCliOptions o = request;
  if (o.resume.empty() && process_launch().restart_count > 0) {
    // A job that torchrun restarted continues the run its first attempt began.
    const std::string dir = !o.out.empty() ? o.out : [&] {
      const RunConfig c = load_run_config(o.config);
      return (fs::path(c.out) / (c.name + "-" + load_arch(o.arch).name)).string();
    }();
    if (fs::is_directory(fs::path(dir) / "checkpoints")) {
      spdlog::warn("restart {} of the job: resuming {}", process_launch().restart_count, dir);
      o.resume = dir;
    }
  }
  const bool resume = !o.resume.empty();
  RunConfig cfg =
      load_run_config(resume ? (fs::path(o.resume) / "config.yaml").string() : o.config);
  if (o.seed >= 0) cfg.seed = std::uint64_t(o.seed);
  TrainRunOptions to;
  to.threads = cfg.threads = set_threads(o.threads > 0 ? o.threads : cfg.threads);
  Arch arch = load_arch(resume ? (fs::path(o.resume) / "arch.json").string() : o.arch);
  to.device = parse_device(o.device);
  to.resume = resume;
  to.dir = resume           ? o.resume
           : !o.out.empty() ? o.out
                            : (fs::path(cfg.out) / (cfg.name + "-" + arch.name)).string();
  install_stop_handlers();
  const TrainRunResult r = train_run(arch, cfg, to);
  if (r.interrupted) {
    spdlog::warn("interrupted at step {}; continue with: hwnas train --resume {}", r.steps, to.dir);
    if (ctx.json) print_json({{"run_dir", to.dir}, {"interrupted", true}, {"steps", r.steps}});
    ctx.exit_code = 130;
    return;
  }
  if (ctx.json) {
    print_json({{"run_dir", to.dir},
                {"weights", r.weights},
                {"arch", r.arch},
                {"test_accuracy", r.test.top1},
                {"top5", r.test.top5},
                {"loss", r.test.loss},
                {"steps", r.steps},
                {"seconds", r.seconds}});
    return;
  }
  std::cout << fmt::format(
      "{}: test top-1 {:.2f}%, top-5 {:.2f}%, loss {:.4f} after {} steps ({:.1f} s)\n"
      "weights: {}\nrun directory: {}\n",
      arch.name, 100 * r.test.top1, 100 * r.test.top5, r.test.loss, r.steps, r.seconds, r.weights,
      to.dir);
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
  cmd->add_option("--seed", o->seed, "Seed (overrides the config)")->check(seed_text());
  cmd->add_option("--device", o->device, "cpu or cuda[:N] (default: cpu)");
  resume->excludes(arch)->excludes(config)->excludes(out);
  cmd->callback([o, &ctx, arch, config] {
    if (o->resume.empty() && (arch->count() == 0 || config->count() == 0))
      throw CLI::ValidationError("train", "give --arch and --config, or --resume DIR");
    ctx.run = [o, &ctx] { run_train(*o, ctx); };
  });
}

}  // namespace hwnas::cli
