#include "hwnas/search/rank_check.h"

#include <filesystem>
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
    if (e.standalone) j["standalone"] = *e.standalone;
    rows.push_back(j);
  }
  json out = {{"archs", rows}, {"interrupted", interrupted}};
  if (kendall_tau) out["kendall_tau"] = *kendall_tau;
  return out;
}

std::string format_rank_check(const RankCheckResult& r) {
  std::string s =
      "| genotype | params | inherited (val) | stand-alone (test) |\n|---|---|---|---|\n";
  for (const auto& e : r.entries)
    s += fmt::format("| {} | {:.0f} | {:.2f}% | {} |\n", format_genotype(e.genotype), e.params,
                     100 * e.inherited,
                     e.standalone ? fmt::format("{:.2f}%", 100 * *e.standalone) : "-");
  if (r.kendall_tau)
    s += fmt::format("\nKendall tau (inherited vs stand-alone): {:.3f}\n", *r.kendall_tau);
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

  RunDir run = RunDir::reopen(q.run);
  std::map<Genotype, json> done;  // earlier results of this check
  if (fs::exists(run.file("rank_check.jsonl"))) {
    std::istringstream lines(read_text_file(run.file("rank_check.jsonl")));
    for (std::string line; std::getline(lines, line);) {
      json j = parse_json(line, run.file("rank_check.jsonl")).root;
      done[j.at("genotype").get<Genotype>()] = j;
    }
  }
  install_stop_handlers();
  Communicator& comm = local_communicator();
  auto provider = builtin_fitness().make("supernet", FitnessContext{setup, data, device, comm});
  RankCheckResult out;
  for (std::size_t i = 0; i < archs.size(); ++i) {
    const Genotype& g = archs[i];
    RankCheckEntry e;
    e.genotype = g;
    Arch arch = decode(setup.space, g);
    e.params = double(count_totals(arch).params);
    auto hit = done.find(g);
    if (hit != done.end() && (!q.standalone || hit->second.contains("standalone"))) {
      e.inherited = hit->second.at("inherited").get<double>();
      if (hit->second.contains("standalone"))
        e.standalone = hit->second.at("standalone").get<double>();
      out.entries.push_back(e);
      continue;
    }
    e.inherited =
        hit != done.end() ? hit->second.at("inherited").get<double>() : *provider->score(g);
    if (q.standalone) {
      arch.name = fmt::format("{}-rank{}", c.name, i);
      arch.preprocess = Preprocess{data.norm.mean, data.norm.std};
      const std::string dir = run.file(fmt::format("rank_check/{}", i));
      const bool resume = fs::exists(fs::path(dir) / "checkpoints" / "last.ckpt");
      if (!resume && fs::exists(dir)) fs::remove_all(dir);
      TrainRunResult r = train_run(arch, c, {dir, resume, device, c.threads, {}});
      if (r.interrupted) {
        out.interrupted = true;
        return out;
      }
      e.standalone = r.test.top1;
    }
    json j = {{"genotype", g}, {"inherited", e.inherited}};
    if (e.standalone) j["standalone"] = *e.standalone;
    run.append("rank_check.jsonl", j);
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
