// hwnas profile: build a latency table for a space on this machine.
#include <filesystem>
#include <functional>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli.h"
#include "hwnas/common/error.h"
#include "hwnas/common/launch_env.h"
#include "hwnas/common/output_path.h"
#include "hwnas/common/stop.h"
#include "hwnas/cost/lut_import.h"
#include "hwnas/cost/registry.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/profile/profiler.h"
#include "hwnas/train/process_group.h"
#include "hwnas/train/trainer.h"

namespace hwnas::cli {
namespace fs = std::filesystem;

namespace {

struct ProfileCli {
  std::string space, device = "cpu", import_csv, extend;
  std::vector<std::string> archs;
  bool pin = false, force = false;
  ProfileOptions opt;
};

// A table from probe timings measured on another device (no measuring here).
void run_import(ProfileCli o, const Context& ctx) {
  if (process_launch().multi_process())
    throw InputError("--import", "runs on one process (it measures nothing to spread)");
  if (o.space.empty())
    throw InputError("--space", "--import needs the space the probes were exported from");
  o.opt.out = check_table_outputs(o.opt.out, o.force, {o.import_csv, o.space});
  Space space = load_space(o.space);
  LatencyTable t = import_probe_timings(space, o.import_csv);
  save_latency_table(t, o.opt.out);
  drop_stale_calibration(o.opt.out);
  if (ctx.json)
    return print_json({{"entries", t.entries.size()}, {"seconds", 0}, {"table", o.opt.out}});
  std::cout << fmt::format("{} entries imported from {} -> {}\n", t.entries.size(), o.import_csv,
                           o.opt.out);
}

void run_profile(ProfileCli o, Context& ctx) {
  if (o.device != "cpu")
    throw InputError("--device",
                     "only cpu profiling is built in this version (got '" + o.device + "')");
  if (o.space.empty() && o.archs.empty())
    throw InputError("--space",
                     "give a space to profile, --arch files whose layers to time, or both");
  std::vector<std::string> inputs = o.archs;
  if (!o.space.empty()) inputs.push_back(o.space);
  if (!o.extend.empty()) inputs.push_back(o.extend);
  o.opt.out = check_table_outputs(o.opt.out, o.force, inputs);
  std::optional<Space> space;
  if (!o.space.empty()) space = load_space(o.space);
  std::vector<Arch> archs;
  for (const auto& a : o.archs) archs.push_back(load_arch(a));
  std::optional<LatencyTable> base;
  if (!o.extend.empty()) base = load_latency_table(o.extend);
  o.opt.threads = set_threads(o.opt.threads);
  ProfileJob job = make_profile_job(space ? &*space : nullptr, archs, std::move(base), o.opt);
  Communicator& comm = process_communicator();
  std::vector<std::string> keys;
  for (const auto& [l, in] : job.layers) keys.push_back(lut_key(l, in));
  comm.agree({{"profile",
               {{"space", o.space},
                {"arch", o.archs},
                {"extend", o.extend},
                {"out", o.opt.out},
                {"batch", o.opt.batch},
                {"threads", o.opt.threads},
                {"rounds", o.opt.protocol.rounds},
                {"reps", o.opt.protocol.reps},
                {"warmup", o.opt.protocol.warmup},
                {"statistic", o.opt.protocol.statistic},
                {"calibrate", o.opt.calibrate},
                {"seed", o.opt.protocol.seed},
                {"resume", o.opt.resume},
                {"pin", o.pin}}},
              {"layers", std::hash<std::string>{}(fmt::format("{}", fmt::join(keys, "\n")))}},
             "options");
  // Ranks that share a machine take disjoint CPUs.
  const int first_cpu = process_launch().local_rank * o.opt.threads;
  if (o.pin && !pin_to_cpus(first_cpu, o.opt.threads))
    throw InputError("--pin", fmt::format("cannot pin to CPUs {}..{} (sched_setaffinity refused; "
                                          "this machine has {}): fewer --threads or processes",
                                          first_cpu, first_cpu + o.opt.threads - 1,
                                          std::thread::hardware_concurrency()));
  o.opt.pinned = o.pin;
  install_stop_handlers();
  ProfileResult r = run_profile_job(job, o.opt, comm);
  if (r.interrupted) {
    std::cerr << "hwnas: profile interrupted; continue with the same command and --resume\n";
    if (ctx.json)
      print_json({{"interrupted", true},
                  {"partial", partial_profile_path(o.opt.out, comm.rank(), comm.size())}});
    ctx.exit_code = 130;
    return;
  }
  if (r.calibration_path.empty()) drop_stale_calibration(r.table_path);
  if (ctx.json)
    return print_json({{"entries", r.entries},
                       {"added", r.added},
                       {"seconds", r.seconds},
                       {"unstable", r.unstable},
                       {"table", r.table_path},
                       {"calibration", r.calibration_path}});
  std::cout << fmt::format(
      "{} entries ({} measured now, {} needed extra rounds) in {:.1f} s -> {}\n", r.entries,
      r.added, r.unstable, r.seconds, r.table_path);
  if (!r.calibration_path.empty()) std::cout << "calibration -> " << r.calibration_path << "\n";
}

}  // namespace

void register_profile(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ProfileCli>();
  auto* cmd = app.add_subcommand("profile", "Measure a latency table for a space on this machine");
  cmd->add_option("--space", o->space,
                  "Search space name or path: time every layer it can produce");
  auto* arch = cmd->add_option(
      "--arch", o->archs, "Arch JSON whose layers to time (repeatable; with or without --space)");
  auto* extend =
      cmd->add_option("--extend", o->extend,
                      "Latency table to extend: keep its entries, time only the layers it lacks "
                      "(same machine, --threads, --batch and --statistic)");
  cmd->add_option("--out", o->opt.out, "Latency table to write (latency_models/NAME.json)")
      ->required();
  cmd->add_option("--device", o->device, "cpu")->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->add_option("--batch", o->opt.batch, "Batch size (default 1)")->check(CLI::Range(1, 4096));
  cmd->add_option("--threads", o->opt.threads, "Intra-op threads (default 1)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--rounds", o->opt.protocol.rounds, "Shuffled passes over all layers")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--reps", o->opt.protocol.reps, "Timed runs per layer per round")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--warmup", o->opt.protocol.warmup, "Untimed runs per layer per round")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--statistic", o->opt.protocol.statistic, "min, p10, p25 or median")
      ->check(CLI::IsMember({"min", "p10", "p25", "median"}));
  cmd->add_option("--calibrate", o->opt.calibrate,
                  "Networks measured whole to fit the calibration (0: none)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--seed", o->opt.protocol.seed, "Seed (round order, calibration archs)")
      ->check(seed_text());
  auto* resume =
      cmd->add_flag("--resume", o->opt.resume, "Continue an interrupted profile of --out");
  cmd->add_option("--import", o->import_csv,
                  "Build --out from timings.csv of `hwnas export --out-latency-probe` "
                  "(probes.json beside it) instead of measuring")
      ->excludes(resume)
      ->excludes(arch)
      ->excludes(extend);
  cmd->add_flag("--pin", o->pin, "Pin the measuring threads to CPUs 0..threads-1");
  cmd->add_flag("--force", o->force, "Replace an existing --out table");
  o->opt.threads = 1;
  cmd->callback([o, &ctx] {
    ctx.run = [o, &ctx] { o->import_csv.empty() ? run_profile(*o, ctx) : run_import(*o, ctx); };
  });
}

}  // namespace hwnas::cli
