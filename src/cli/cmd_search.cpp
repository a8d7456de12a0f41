// hwnas search: a supernet search from a config, the constrained derivation
// of the child, and its retrain; or --dry-run: the validated config, the
// space and its cost ranges.
#include <chrono>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.h"
#include "hwnas/accel/accel_model.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/text.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/weights.h"
#include "hwnas/profile/measured_model.h"
#include "hwnas/search/supernet_search.h"
#include "hwnas/setup/run_setup.h"
#include "hwnas/space/genotype.h"
#include "hwnas/train/trainer.h"

namespace hwnas::cli {
namespace fs = std::filesystem;

namespace {

struct SearchOptions {
  std::string config, out, resume, device = "cpu";
  bool dry_run = false;
  int threads = 0;
  std::int64_t seed = -1;
};

json cost_ranges(const RunSetup& s) {
  json j = json::object();
  for (const auto& [name, pm] : s.models) {
    json m = json::object();
    Cost lo = pm.table->min_cost(), hi = pm.table->max_cost();
    for (int k = 0; k < kNumMetrics; ++k)
      if (pm.table->metrics().test(k)) m[metric_names()[k]] = {{"min", lo.v[k]}, {"max", hi.v[k]}};
    j[name] = m;
  }
  return j;
}

void run_dry(const RunSetup& s, const std::string& run_dir, const Context& ctx) {
  json config = s.config.to_json();
  config["strategy"] = s.strategy.to_json();  // with defaults filled in
  json costs = cost_ranges(s);
  json constraints = json::array();
  for (const auto& c : s.config.constraints) constraints.push_back(c.describe());
  for (const auto& w : s.warnings) spdlog::warn("{}", w);
  if (ctx.json) {
    print_json({{"dry_run", true},
                {"warnings", s.warnings},
                {"run_dir", run_dir},
                {"config", config},
                {"space",
                 {{"name", s.space.name},
                  {"file", s.space.file},
                  {"positions", s.space.positions.size()},
                  {"size", space_size(s.space)},
                  {"size_log10", space_size_log10(s.space)}}},
                {"costs", costs},
                {"constraints", constraints}});
    return;
  }
  std::cout << "# resolved config (" << s.config.file << ")\n" << to_yaml(config) << "\n";
  std::cout << fmt::format("space {}: {} positions, {} architectures (10^{:.2f})\n", s.space.name,
                           s.space.positions.size(), space_size(s.space),
                           space_size_log10(s.space));
  std::cout << fmt::format("{:<10} {:<12} {:>14} {:>14}\n", "model", "metric", "smallest",
                           "largest");
  for (const auto& [name, m] : costs.items())
    for (const auto& [metric, r] : m.items())
      std::cout << fmt::format("{:<10} {:<12} {:>14} {:>14}\n", name, metric,
                               format_number(r["min"].get<double>()),
                               format_number(r["max"].get<double>()));
  for (const auto& c : constraints)
    std::cout << "constraint " << c.get<std::string>() << ": reachable\n";
  std::cout << "run directory would be " << run_dir << "\n";
}

json predicted_costs(const RunSetup& s, const Arch& arch) {
  json j = json::object();
  for (const auto& [name, pm] : s.models) {
    Cost c = pm.model->network(arch);
    json m = json::object();
    for (int k = 0; k < kNumMetrics; ++k)
      if (pm.model->metrics().test(k)) m[metric_names()[k]] = c.v[k];
    j[name] = m;
  }
  return j;
}

// Search stage: the supernet from scratch or its checkpoint, then the
// constrained derivation into best.arch.json. False when interrupted.
bool search_stage(const RunSetup& s, const Datasets& data, const RunDir& run, bool resume,
                  const torch::Device& device) {
  torch::manual_seed(s.config.seed);
  Supernet net(s.space);
  net->to(device);
  net->set_channels_last(s.config.train.channels_last != "off");
  SearchRunOptions so;
  so.device = device;
  so.resume = resume && fs::exists(run.file("checkpoints/last.ckpt"));
  spdlog::info(
      "searching {} ({} positions, {} supernet weights) with {} {} on {} images, {} "
      "epochs ({} weight-only) -> {}",
      s.space.name, s.space.positions.size(), count_parameters(*net), s.strategy.type,
      s.strategy.mode, data.train.size(), s.config.train.epochs, s.strategy.warmup_epochs,
      run.path());
  SearchOutcome r = run_supernet_search(net, s, data, so, run);
  if (r.interrupted) return false;
  ChoiceScores logp;
  for (const auto& p : r.probs) {
    logp.emplace_back();
    for (double v : p) logp.back().push_back(std::log(std::max(v, 1e-300)));
  }
  const Genotype g = derive_genotype(s, logp);
  Arch arch = decode(s.space, g);
  arch.name = s.config.name + "-searched";
  arch.preprocess = Preprocess{data.norm.mean, data.norm.std};
  // The child with the supernet's weights, for users who skip the retrain.
  torch::manual_seed(s.config.seed);
  ArchNet child(arch);
  net->copy_into_child(g, child);
  save_weights(*child, run.file("supernet_child.weights"));
  run.event({{"event", "derived"},
             {"step", r.steps},
             {"genotype", g},
             {"search_seconds", r.seconds},
             {"costs", predicted_costs(s, arch)}});
  save_arch(arch, run.file("best.arch.json"));  // last: its presence means the stage is done
  return true;
}

struct FinalChild {
  std::string weights;
  EvalResult test;
  bool retrained = false;
};

// Retrain stage: the derived child from scratch with `retrain:`, in
// <run>/retrain (resumable); without `retrain:`, the supernet's weights with
// BatchNorm statistics re-estimated for the child alone.
std::optional<FinalChild> final_stage(const RunSetup& s, const Arch& arch, const RunDir& run,
                                      const torch::Device& device) {
  const RunConfig& c = s.config;
  Datasets data = load_datasets(c.data.for_retrain(), arch.input, arch.num_classes, c.seed, false);
  data.norm = {arch.preprocess->mean, arch.preprocess->std};
  torch::manual_seed(c.seed);
  ArchNet child(arch);
  child->to(device);
  FinalChild out;
  out.weights = run.file("best.weights");
  if (!c.retrain) {
    load_weights(*child, run.file("supernet_child.weights"));
    recalibrate_batchnorm(child, data.train, data.norm);
    save_weights(*child, out.weights);
  } else {
    const std::string dir = run.file("retrain");
    const bool resume = fs::exists(fs::path(dir) / "checkpoints" / "last.ckpt");
    if (!resume && fs::exists(dir)) fs::remove_all(dir);  // started, nothing to keep yet
    RunDir rrun = resume ? RunDir::reopen(dir) : RunDir::create(dir);
    child->set_channels_last(c.retrain->channels_last != "off");
    TrainOptions to;
    to.cfg = *c.retrain;
    to.seed = c.seed;
    to.resume = resume;
    to.device = device;
    to.crop_pad = c.data.crop_pad, to.flip = c.data.flip, to.cutout = c.data.cutout;
    spdlog::info("retraining {} ({} params) from scratch on {} images, {} epochs -> {}", arch.name,
                 count_parameters(*child), data.train.size(), to.cfg.epochs, dir);
    TrainResult r = train_network(child, data, to, rrun);
    if (r.interrupted) return std::nullopt;
    save_weights(*child, out.weights);
    out.retrained = true;
  }
  out.test = evaluate(child, data.test, data.norm);
  return out;
}

void write_summary(const RunSetup& s, const Arch& arch, const json& costs, const FinalChild& f,
                   const RunDir& run) {
  std::string md = fmt::format("# {}\n\nSearch: {} ({}) over space {}, seed {}.\n\n", s.config.name,
                               s.strategy.type, s.strategy.mode, s.space.name, s.config.seed);
  md += fmt::format("Derived architecture: `best.arch.json` (genotype {}).\n\n",
                    format_genotype(encode(s.space, arch)));
  md += "| model | metric | predicted |\n|---|---|---|\n";
  for (const auto& [model, m] : costs.items())
    for (const auto& [metric, v] : m.items())
      md += fmt::format("| {} | {} | {} |\n", model, metric, format_number(v.get<double>()));
  md += "\n| constraint | value | met |\n|---|---|---|\n";
  for (const auto& c : s.config.constraints) {
    const double v =
        costs.at(c.model.empty() ? "ir" : c.model).at(metric_name(c.metric)).get<double>();
    md += fmt::format("| {} | {} | {} |\n", c.describe(), format_number(v),
                      c.satisfied_by(v) ? "yes" : "NO");
  }
  md += fmt::format("\nTest top-1 {:.2f}% ({}), weights `best.weights`.\n", 100 * f.test.top1,
                    f.retrained ? "retrained from scratch" : "supernet weights, not retrained");
  write_file_atomic(run.file("summary.md"), md);
}

void run_search(const SearchOptions& o, Context& ctx) {
  const bool resume = !o.resume.empty();
  RunConfig config =
      load_run_config(resume ? (fs::path(o.resume) / "config.yaml").string() : o.config);
  if (o.threads > 0) config.threads = o.threads;
  if (o.seed >= 0) config.seed = std::uint64_t(o.seed);
  CostModelRegistry registry;
  register_builtin_cost_models(registry);
  register_torch_cost_models(registry);
  accel::register_accel_cost_models(registry);
  RunSetup setup = prepare_run(std::move(config), registry);
  const RunConfig& cfg = setup.config;
  const std::string run_dir = resume          ? o.resume
                              : o.out.empty() ? (fs::path(cfg.out) / cfg.name).string()
                                              : o.out;
  if (o.dry_run) return run_dry(setup, run_dir, ctx);
  for (const auto& w : setup.warnings) spdlog::warn("{}", w);
  const int threads = set_threads(cfg.threads);
  const torch::Device device = parse_device(o.device);
  Datasets data = load_datasets(cfg.data, setup.space.skeleton.input,
                                setup.space.skeleton.num_classes, cfg.seed, true);
  check_search_splits(setup, data);
  // Every input is checked; only now does the run directory appear.
  RunDir run = resume ? RunDir::reopen(run_dir) : RunDir::create(run_dir);
  if (!resume) {
    json resolved = cfg.to_json();
    resolved["strategy"] = setup.strategy.to_json();
    write_file_atomic(run.file("config.yaml"), to_yaml(resolved));
  }
  install_stop_handlers();
  auto interrupted = [&](const std::string& stage) {
    spdlog::warn("{} interrupted; continue with: hwnas search --resume {}", stage, run_dir);
    if (ctx.json) print_json({{"run_dir", run_dir}, {"interrupted", true}, {"stage", stage}});
    ctx.exit_code = 130;
  };
  const auto t0 = std::chrono::steady_clock::now();
  if (!fs::exists(run.file("best.arch.json")) && !search_stage(setup, data, run, resume, device))
    return interrupted("search");
  const Arch arch = load_arch(run.file("best.arch.json"));
  const json costs = predicted_costs(setup, arch);
  auto final_child = final_stage(setup, arch, run, device);
  if (!final_child) return interrupted("retrain");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const FinalChild& f = *final_child;
  write_summary(setup, arch, costs, f, run);
  const Cost ir = setup.models.at("ir").model->network(arch);
  run.event({{"event", "done"},
             {"test_accuracy", f.test.top1},
             {"test_top5", f.test.top5},
             {"retrained", f.retrained},
             {"seconds", seconds},
             {"threads", threads}});
  if (ctx.json) {
    print_json({{"run_dir", run_dir},
                {"arch", run.file("best.arch.json")},
                {"weights", f.weights},
                {"genotype", encode(setup.space, arch)},
                {"test_accuracy", f.test.top1},
                {"retrained", f.retrained},
                {"macs", ir.macs()},
                {"params", ir.params()},
                {"costs", costs},
                {"seconds", seconds}});
    return;
  }
  std::cout << fmt::format("{}: {} MACs, {} params", arch.name, format_number(ir.macs()),
                           format_number(ir.params()));
  for (const auto& [model, m] : costs.items())
    if (model != "ir")
      for (const auto& [metric, v] : m.items())
        std::cout << fmt::format(", {}.{} {}", model, metric, format_number(v.get<double>()));
  std::cout << fmt::format("\ntest top-1 {:.2f}% ({})\narch: {}\nweights: {}\nrun directory: {}\n",
                           100 * f.test.top1, f.retrained ? "retrained" : "supernet weights",
                           run.file("best.arch.json"), f.weights, run_dir);
}

}  // namespace

void register_search(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<SearchOptions>();
  auto* cmd = app.add_subcommand("search", "Search an architecture from a run config");
  auto* config = cmd->add_option("--config", o->config, "Run config YAML");
  auto* out =
      cmd->add_option("--out", o->out, "Run directory (default: <out>/<name> from the config)");
  auto* resume =
      cmd->add_option("--resume", o->resume, "Continue the search in this run directory");
  resume->excludes(config)->excludes(out);
  cmd->add_option("--device", o->device, "cpu or cuda[:N] (default: cpu)");
  cmd->add_flag("--dry-run", o->dry_run,
                "Validate the config; print it resolved, the space size and cost ranges");
  cmd->add_option("--threads", o->threads, "Threads (overrides the config)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--seed", o->seed, "Seed (overrides the config)")
      ->check(CLI::Range(std::int64_t(0), INT64_MAX));
  cmd->callback([o, &ctx, config] {
    if (o->resume.empty() && config->count() == 0)
      throw CLI::ValidationError("search", "give --config, or --resume DIR");
    ctx.run = [o, &ctx] { run_search(*o, ctx); };
  });
}

}  // namespace hwnas::cli
