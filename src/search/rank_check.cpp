#include "hwnas/search/rank_check.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/statistics.h"
#include "hwnas/common/stop.h"
#include "hwnas/search/fitness.h"
#include "hwnas/search/run.h"
#include "hwnas/search/supernet_options.h"
#include "hwnas/search/supernet_search.h"
#include "hwnas/train/train_run.h"

namespace hwnas {

namespace fs = std::filesystem;

json RankCheckResult::to_json() const {
  json rows = json::array();
  for (const auto& e : entries) {
    json j = {{"genotype", e.genotype}, {"inherited", e.inherited}, {"params", e.params}};
    if (e.standalone) j["standalone"] = *e.standalone, j["standalone_runs"] = e.standalone_runs;
    rows.push_back(j);
  }
  json out = {{"archs", rows}, {"interrupted", interrupted}};
  if (kendall_tau) out["kendall_tau"] = *kendall_tau;
  if (!schedule.empty()) out["standalone_schedule"] = schedule;
  return out;
}

namespace {

// "91.20%", or with several seeds "91.20% (90.95-91.45)".
std::string format_runs(const std::vector<double>& runs) {
  std::string s = fmt::format("{:.2f}%", 100 * mean(runs));
  if (runs.size() > 1) {
    const auto [lo, hi] = std::minmax_element(runs.begin(), runs.end());
    s += fmt::format(" ({:.2f}-{:.2f})", 100 * *lo, 100 * *hi);
  }
  return s;
}

}  // namespace

std::string format_rank_check(const RankCheckResult& r) {
  std::string s =
      "| genotype | params | inherited (val) | stand-alone (test) |\n|---|---|---|---|\n";
  for (const auto& e : r.entries)
    s += fmt::format("| {} | {:.0f} | {:.2f}% | {} |\n", format_genotype(e.genotype), e.params,
                     100 * e.inherited, e.standalone ? format_runs(e.standalone_runs) : "-");
  if (!r.schedule.empty()) s += fmt::format("\nstand-alone: {}\n", r.schedule);
  if (r.kendall_tau)
    s += fmt::format("Kendall tau (inherited vs stand-alone): {:.3f}\n", *r.kendall_tau);
  if (r.interrupted) s += "\ninterrupted; run the same command again to continue\n";
  return s;
}

RankCheckResult run_rank_check(const RankCheckRequest& q) {
  const std::string cfg_path = (fs::path(q.run) / "config.yaml").string();
  if (!fs::exists(cfg_path))
    throw InputError(q.run, "is not a search run directory (no config.yaml)");
  RunSetup setup = prepare_config_file(cfg_path, q.threads);
  const auto* so = dynamic_cast<const SupernetOptions*>(setup.strategy.get());
  if (!so)
    throw InputError(q.run, fmt::format("is a {} search; --rank-check needs a proxyless or fbnet "
                                        "search (a trained supernet)",
                                        setup.strategy->type));
  if (!fs::exists(fs::path(q.run) / "checkpoints" / "last.ckpt"))
    throw InputError(q.run, "has no supernet checkpoint (checkpoints/last.ckpt) yet");
  const Pricing pricing = setup.pricing();
  if (std::string why = distinct_count_excess(setup.space, q.archs, "--rank-check"); !why.empty())
    throw InputError(q.run, why);
  auto fo = std::make_unique<SupernetFitnessOptions>();
  fo->type = "supernet";
  fo->run = q.run;
  fo->shared = so->weights == "shared";
  setup.fitness = std::move(fo);
  const RunConfig& c = setup.config;
  set_threads(c.threads);
  const torch::Device device = parse_device(q.device);
  Datasets data = load_datasets(c.data, setup.space.skeleton.input,
                                setup.space.skeleton.num_classes, c.seed, true);
  check_search_splits(setup, data);

  // The archs: the first N distinct constraint-meeting draws of a generator
  // seeded by the run's seed, so a rerun draws the same ones.
  Rng rng = seeded_rng(c.seed, 0, 0x4C);
  std::vector<Genotype> archs;
  std::set<Genotype> seen;
  for (std::int64_t draws = 0; int(archs.size()) < q.archs; ++draws) {
    if (draws > 1000 * std::int64_t(q.archs) + 100000)
      throw InputError(q.run, fmt::format("found only {} archs meeting the run's constraints in {} "
                                          "draws; ask for fewer",
                                          archs.size(), draws));
    Genotype g = sample(setup.space, rng);
    if (!pricing.violated(g) && seen.insert(g).second) archs.push_back(std::move(g));
  }

  // The stand-alone schedule: the run's final training, or shorter.
  RunConfig sc = setup.config;
  TrainConfig& st = sc.retrain ? *sc.retrain : sc.train;
  if (q.epochs > 0) st.epochs = q.epochs;
  if (q.images > 0) sc.data.retrain_limit = q.images;
  const std::string images = sc.data.for_retrain().train_limit >= 0
                                 ? std::to_string(sc.data.for_retrain().train_limit)
                                 : "all";
  const std::string tag = fmt::format("e{}-n{}", st.epochs, images);

  // Earlier results of this check: inherited scores by genotype, stand-alone
  // runs by genotype and schedule (the last line of each wins).
  RunDir run = RunDir::reopen(q.run);
  std::map<Genotype, double> inherited_done;
  std::map<std::pair<Genotype, std::string>, std::vector<double>> runs_done;
  if (fs::exists(run.file("rank_check.jsonl"))) {
    std::istringstream lines(read_text_file(run.file("rank_check.jsonl")));
    for (std::string line; std::getline(lines, line);) {
      json j = parse_json(line, run.file("rank_check.jsonl")).root;
      const Genotype g = j.at("genotype").get<Genotype>();
      inherited_done[g] = j.at("inherited").get<double>();
      if (j.contains("standalone_runs"))
        runs_done[{g, j.value("schedule", "")}] =
            j.at("standalone_runs").get<std::vector<double>>();
    }
  }
  install_stop_handlers();
  Communicator& comm = local_communicator();
  auto provider = builtin_fitness().make("supernet", FitnessContext{setup, data, device, comm});
  RankCheckResult out;
  if (q.standalone)
    out.schedule = fmt::format("{} epochs on {} images, {} seed{}", st.epochs, images, q.seeds,
                               q.seeds == 1 ? "" : "s");
  for (std::size_t i = 0; i < archs.size(); ++i) {
    const Genotype& g = archs[i];
    RankCheckEntry e;
    e.genotype = g;
    Arch arch = decode(setup.space, g);
    e.params = double(count_totals(arch).params);
    auto hit = inherited_done.find(g);
    const bool had_inherited = hit != inherited_done.end();
    e.inherited = had_inherited ? hit->second : *provider->score(g);
    if (q.standalone) e.standalone_runs = runs_done[{g, tag}];
    const std::size_t had_runs = e.standalone_runs.size();
    if (q.standalone) {
      arch.name = fmt::format("{}-rank{}", c.name, i);
      arch.preprocess = Preprocess{data.norm.mean, data.norm.std};
      for (int k = int(e.standalone_runs.size()); k < q.seeds; ++k) {
        RunConfig sk = sc;
        sk.seed = c.seed + std::uint64_t(k);
        const std::string dir = run.file(fmt::format("rank_check/{}/{}/seed{}", i, tag, sk.seed));
        const bool resume = fs::exists(fs::path(dir) / "checkpoints" / "last.ckpt");
        if (!resume && fs::exists(dir)) fs::remove_all(dir);
        TrainRunResult r = train_run(arch, sk, {dir, resume, device, c.threads, {}});
        if (r.interrupted) {
          out.interrupted = true;
          return out;
        }
        e.standalone_runs.push_back(r.test.top1);
      }
      e.standalone_runs.resize(std::size_t(q.seeds));
      e.standalone = mean(e.standalone_runs);
    }
    if (!had_inherited || e.standalone_runs.size() > had_runs) {
      json j = {{"genotype", g}, {"inherited", e.inherited}};
      if (q.standalone)
        j["schedule"] = tag, j["standalone_runs"] = e.standalone_runs,
        j["standalone"] = *e.standalone;
      run.append("rank_check.jsonl", j);
    }
    spdlog::info("rank check {}/{} ({}): inherited {:.4f}{}", i + 1, archs.size(),
                 format_genotype(g), e.inherited,
                 e.standalone ? fmt::format(", stand-alone {:.4f}", *e.standalone) : "");
    out.entries.push_back(e);
  }
  if (q.standalone && out.entries.size() >= 2) {
    std::vector<double> a, b;
    for (const auto& e : out.entries) a.push_back(e.inherited), b.push_back(*e.standalone);
    out.kendall_tau = kendall_tau(a, b);
  }
  return out;
}

}  // namespace hwnas
