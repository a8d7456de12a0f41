// hwnas bench train: training-step throughput and memory of one arch.
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/train/bench.h"

namespace hwnas::cli {

namespace {

struct BenchTrainCli {
  std::string arch;
  int threads = 0;
  TrainBenchOptions opt;
};

void run_bench_train(const BenchTrainCli& o, const Context& ctx) {
  Arch arch = load_arch(o.arch);
  int threads = set_threads(o.threads);
  TrainBenchResult r = bench_train_steps(arch, o.opt);
  if (ctx.json)
    return print_json({{"arch", arch.name},
                       {"batch", o.opt.batch},
                       {"threads", threads},
                       {"steps", o.opt.steps},
                       {"channels_last", r.channels_last},
                       {"ms_per_step", r.ms_per_step},
                       {"ms_min", r.ms_min},
                       {"ms_max", r.ms_max},
                       {"images_per_s", r.images_per_s},
                       {"peak_rss_mib", r.peak_rss_mib},
                       {"model_rss_mib", r.model_rss_mib}});
  std::cout << fmt::format(
      "{}: batch {}, {} threads, channels-last {}: {:.1f} ms/step (median of {}, "
      "min {:.1f}, max {:.1f}), {:.0f} images/s, peak RSS {:.0f} MiB, model {:.0f} MiB\n",
      arch.name, o.opt.batch, threads, r.channels_last ? "on" : "off", r.ms_per_step, o.opt.steps,
      r.ms_min, r.ms_max, r.images_per_s, r.peak_rss_mib, r.model_rss_mib);
}

}  // namespace

void register_bench(CLI::App& app, Context& ctx) {
  auto* bench = app.add_subcommand("bench", "Benchmarks");
  bench->require_subcommand(1);
  auto o = std::make_shared<BenchTrainCli>();
  auto* cmd = bench->add_subcommand("train", "Training-step time and memory on synthetic data");
  cmd->add_option("--arch", o->arch, "Architecture JSON")->required();
  cmd->add_option("--batch", o->opt.batch, "Batch size")->check(CLI::Range(1, 65536));
  cmd->add_option("--threads", o->threads, "Threads (default: all cores)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--steps", o->opt.steps, "Timed steps")->check(CLI::Range(1, 100000));
  cmd->add_option("--warmup", o->opt.warmup, "Untimed steps first")->check(CLI::Range(0, 100000));
  cmd->add_option("--channels-last", o->opt.channels_last, "on, off or auto (the faster)")
      ->check(CLI::IsMember({"on", "off", "auto"}));
  cmd->callback([o, &ctx] { ctx.run = [o, &ctx] { run_bench_train(*o, ctx); }; });
}

}  // namespace hwnas::cli
