// hwnas search: run a search from a config. This build validates and
// summarises the config (--dry-run); strategies arrive with the supernet.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.h"
#include "hwnas/common/error.h"
#include "hwnas/common/text.h"
#include "hwnas/profile/measured_model.h"
#include "hwnas/setup/run_setup.h"
#include "hwnas/space/genotype.h"

namespace hwnas::cli {
namespace fs = std::filesystem;

namespace {

struct SearchOptions {
  std::string config, out;
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

void run_search(const SearchOptions& o, const Context& ctx) {
  RunConfig config = load_run_config(o.config);
  if (o.threads > 0) config.threads = o.threads;
  if (o.seed >= 0) config.seed = std::uint64_t(o.seed);
  CostModelRegistry registry;
  register_builtin_cost_models(registry);
  register_torch_cost_models(registry);
  spdlog::debug("config {}: space {}, {} cost models, strategy {}", config.file, config.space,
                config.cost_models.size(), config.strategy.type);
  RunSetup setup = prepare_run(std::move(config), registry);
  spdlog::debug("space {}: {} positions from {}", setup.space.name, setup.space.positions.size(),
                setup.space.file);
  std::string run_dir =
      o.out.empty() ? (fs::path(setup.config.out) / setup.config.name).string() : o.out;
  if (!o.dry_run)
    throw InputError("search",
                     "this build has no search strategy to run yet; use --dry-run to "
                     "validate the config and see the space and its cost ranges");
  run_dry(setup, run_dir, ctx);
}

}  // namespace

void register_search(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<SearchOptions>();
  auto* cmd = app.add_subcommand("search", "Search an architecture from a run config");
  cmd->add_option("--config", o->config, "Run config YAML")->required();
  cmd->add_option("--out", o->out, "Run directory (default: <out>/<name> from the config)");
  cmd->add_flag("--dry-run", o->dry_run,
                "Validate the config; print it resolved, the space size and cost ranges");
  cmd->add_option("--threads", o->threads, "Threads (overrides the config)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--seed", o->seed, "Seed (overrides the config)")
      ->check(CLI::Range(std::int64_t(0), INT64_MAX));
  cmd->callback([o, &ctx] { ctx.run = [o, &ctx] { run_search(*o, ctx); }; });
}

}  // namespace hwnas::cli
