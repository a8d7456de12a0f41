// hwnas bench train|supernet: step throughput and memory of one arch, or of
// a space's supernet (weight, architecture or child steps).
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "hwnas/common/text.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/search/bench.h"
#include "hwnas/space/space.h"
#include "hwnas/train/bench.h"
#include "hwnas/train/trainer.h"

namespace hwnas::cli {

namespace {

struct BenchTrainCli {
  std::string arch;
  int threads = 0;
  TrainBenchOptions opt;
};

void report(const std::string& what, const TrainBenchOptions& opt, const TrainBenchResult& r,
            const Context& ctx, json extra) {
  if (ctx.json) {
    extra.update({{"batch", opt.batch},
                  {"threads", r.threads},
                  {"steps", opt.steps},
                  {"channels_last", r.channels_last},
                  {"ms_per_step", r.ms_per_step},
                  {"ms_min", r.ms_min},
                  {"ms_max", r.ms_max},
                  {"images_per_s", r.images_per_s},
                  {"peak_rss_mib", r.peak_rss_mib},
                  {"model_rss_mib", r.model_rss_mib}});
    return print_json(extra);
  }
  std::cout << fmt::format(
      "{}: batch {}, {} threads, channels-last {}: {:.1f} ms/step (median of {}, "
      "min {:.1f}, max {:.1f}), {:.0f} images/s, peak RSS {:.0f} MiB, model {:.0f} MiB\n",
      what, opt.batch, r.threads, r.channels_last ? "on" : "off", r.ms_per_step, opt.steps,
      r.ms_min, r.ms_max, r.images_per_s, r.peak_rss_mib, r.model_rss_mib);
}

void run_bench_train(const BenchTrainCli& o, const Context& ctx) {
  Arch arch = load_arch(o.arch);
  set_threads(o.threads);
  report(arch.name, o.opt, bench_train_steps(arch, o.opt), ctx, {{"arch", arch.name}});
}

struct BenchSupernetCli {
  std::string space, genotype;
  int threads = 0;
  SupernetBenchOptions opt;
};

void run_bench_supernet(BenchSupernetCli o, const Context& ctx) {
  Space space = load_space(o.space);
  if (!o.genotype.empty()) {
    o.opt.genotype = parse_genotype(space, o.genotype);
  }
  set_threads(o.threads);
  json extra = {{"space", space.name},
                {"mode", o.opt.mode},
                {"weights", o.opt.shared ? "shared" : "separate"}};
  if (o.opt.genotype) extra["genotype"] = *o.opt.genotype;
  report(space.name + " " + o.opt.mode + " step", o.opt.train, bench_supernet_steps(space, o.opt),
         ctx, extra);
}

// --batch --threads --steps --warmup --channels-last, shared by both benches.
void add_step_options(CLI::App* cmd, TrainBenchOptions& opt, int& threads,
                      const std::vector<std::string>& layouts) {
  cmd->add_option("--batch", opt.batch, "Batch size")->check(CLI::Range(1, 65536));
  cmd->add_option("--threads", threads, "Threads (default: all cores)")->check(CLI::Range(1, 1024));
  cmd->add_option("--steps", opt.steps, "Timed steps")->check(CLI::Range(1, 100000));
  cmd->add_option("--warmup", opt.warmup, "Untimed steps first")->check(CLI::Range(0, 100000));
  cmd->add_option("--channels-last", opt.channels_last, join(layouts, ", "))
      ->check(CLI::IsMember(layouts));
}

}  // namespace

void register_bench(CLI::App& app, Context& ctx) {
  auto* bench = app.add_subcommand("bench", "Benchmarks");
  bench->require_subcommand(1);
  auto o = std::make_shared<BenchTrainCli>();
  auto* cmd = bench->add_subcommand("train", "Training-step time and memory on synthetic data");
  cmd->add_option("--arch", o->arch, "Architecture JSON")->required();
  add_step_options(cmd, o->opt, o->threads, {"on", "off", "auto"});
  cmd->callback([o, &ctx] { ctx.run = [o, &ctx] { run_bench_train(*o, ctx); }; });

  auto s = std::make_shared<BenchSupernetCli>();
  s->opt.train.channels_last = "on";
  auto* sc = bench->add_subcommand("supernet", "Supernet step time and memory on synthetic data");
  sc->add_option("--space", s->space, "Search space (name or path)")->required();
  sc->add_option("--mode", s->opt.mode,
                 "weight (one sampled path), arch (two-mode architecture step), child")
      ->check(CLI::IsMember({"weight", "arch", "child"}));
  sc->add_option("--genotype", s->genotype,
                 "i,j,...: the child (child mode; default: every first choice), or a fixed "
                 "path (weight mode)");
  sc->add_flag("--shared", s->opt.shared,
               "weights: shared (MBConv candidates sliced from one block)");
  add_step_options(sc, s->opt.train, s->threads, {"on", "off"});
  sc->callback([s, &ctx] { ctx.run = [s, &ctx] { run_bench_supernet(*s, ctx); }; });
}

}  // namespace hwnas::cli
