// hwnas search: parse, run the library's search pipeline (search/run.h), print.
#include <iostream>

#include <fmt/format.h>

#include "cli.h"
#include "hwnas/common/text.h"
#include "hwnas/search/rank_check.h"
#include "hwnas/search/run.h"

namespace hwnas::cli {

namespace {

struct SearchCli {
  SearchRequest request;
  bool list = false;
  RankCheckRequest rank;
};

void print_result(const SearchResult& r, const Context& ctx) {
  if (ctx.json) return print_json(r.to_json());
  std::cout << fmt::format("{}: {} MACs, {} params", r.arch_name, format_number(r.macs),
                           format_number(r.params));
  for (const auto& [model, m] : r.costs.items())
    if (model != "ir")
      for (const auto& [metric, v] : m.items())
        std::cout << fmt::format(", {}.{} {}", model, metric, format_number(v.get<double>()));
  std::cout << fmt::format(
      "\ntest top-1 {:.2f}% ({})\narch: {}\nweights: {}\nrun directory: {}\n", 100 * r.test_top1,
      r.retrained ? "trained from scratch" : "search weights", r.arch_path, r.weights, r.run_dir);
}

void run(const SearchCli& o, Context& ctx) {
  if (o.list) {
    const json list = list_strategies();
    if (ctx.json) return print_json(list);
    std::cout << format_strategy_list(list);
    return;
  }
  if (o.rank.archs > 0) {
    RankCheckRequest q = o.rank;
    q.run = o.request.resume, q.device = o.request.device, q.threads = o.request.threads;
    const RankCheckResult r = run_rank_check(q);
    if (ctx.json)
      print_json(r.to_json());
    else
      std::cout << format_rank_check(r);
    if (r.interrupted) ctx.exit_code = 130;
    return;
  }
  const SearchResult r = run_search(o.request);
  if (!r.dry_run.is_null()) {
    if (ctx.json) return print_json(r.dry_run);
    std::cout << format_dry_run(r.dry_run);
    return;
  }
  if (r.interrupted) {
    if (ctx.json) print_json(r.to_json());
    ctx.exit_code = 130;
    return;
  }
  print_result(r, ctx);
}

}  // namespace

void register_search(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<SearchCli>();
  SearchRequest& q = o->request;
  auto* cmd = app.add_subcommand("search", "Search an architecture from a run config");
  auto* config = cmd->add_option("--config", q.config, "Run config YAML");
  auto* out =
      cmd->add_option("--out", q.out, "Run directory (default: <out>/<name> from the config)");
  auto* resume = cmd->add_option("--resume", q.resume, "Continue the search in this run directory");
  resume->excludes(config)->excludes(out);
  cmd->add_option("--device", q.device, "cpu or cuda[:N] (default: cpu)");
  cmd->add_flag("--dry-run", q.dry_run,
                "Validate the config; print it resolved, the space size and cost ranges");
  cmd->add_flag("--list-strategies", o->list,
                "List the search strategies and fitness providers with their options")
      ->excludes(config)
      ->excludes(resume);
  cmd->add_option("--threads", q.threads, "Threads (overrides the config)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--seed", q.seed, "Seed (overrides the config)")->check(seed_text());
  o->rank.archs = 0;
  auto* rank = cmd->add_option("--rank-check", o->rank.archs,
                               "With --resume of a supernet search: score N archs with its "
                               "weights (the one-shot ranking diagnostic)")
                   ->check(CLI::Range(2, 100000))
                   ->needs(resume);
  auto* standalone =
      cmd->add_flag("--standalone", o->rank.standalone,
                    "With --rank-check: also train each from scratch; report Kendall tau")
          ->needs(rank);
  cmd->add_option("--epochs", o->rank.epochs,
                  "With --standalone: epochs of each training (default: the run's retrain)")
      ->check(CLI::Range(1, 100000))
      ->needs(standalone);
  cmd->add_option("--images", o->rank.images,
                  "With --standalone: training images (default: the run's retrain_limit)")
      ->check(CLI::Range(std::int64_t(1), std::int64_t(1) << 40))
      ->needs(standalone);
  cmd->add_option("--seeds", o->rank.seeds,
                  "With --standalone: trainings per arch, averaged (default: 1)")
      ->check(CLI::Range(1, 100))
      ->needs(standalone);
  cmd->callback([o, &ctx, config] {
    if (!o->list && o->request.resume.empty() && config->count() == 0)
      throw CLI::ValidationError("search", "give --config, or --resume DIR (or --list-strategies)");
    ctx.run = [o, &ctx] { run(*o, ctx); };
  });
}

}  // namespace hwnas::cli
