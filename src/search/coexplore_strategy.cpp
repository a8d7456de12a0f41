// Strategy `coexplore` (NASAIC, Yang et al. 2020): one joint genotype holds
// every task's network and the accelerator design's choices. A sample is
// priced on the drawn design first (accelerator costs cached per network and
// sub-accelerator design); one that misses a spec is refused with its
// penalty before any task is scored (early rejection); the others are scored
// per task by the task's fitness provider (cached per task genotype).
// Drivers: the REINFORCE sequence controller (or uniform draws) over the
// joint choices, or the evolution engine (NSGA-II) over the joint genotype.
// candidates.jsonl holds every sample in order: a resumed run replays it.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hwnas/accel/accel_model.h"
#include "hwnas/common/clock.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/plot.h"
#include "hwnas/common/progress.h"
#include "hwnas/common/stop.h"
#include "hwnas/common/text.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/search/coexplore_options.h"
#include "hwnas/search/fitness.h"
#include "hwnas/search/sequence_controller.h"
#include "hwnas/search/strategy.h"

namespace hwnas {

namespace {

namespace fs = std::filesystem;

// A task as the strategy scores it: a run setup of its own (its space and
// fitness options) behind its fitness provider.
struct TaskRunner {
  std::unique_ptr<RunSetup> setup;
  std::unique_ptr<FitnessProvider> fitness;
  std::map<Genotype, double> scores;
};

// The chip's costs of a joint sample, or why it has none.
struct ChipCost {
  double latency_ms = 0, energy_mj = 0, area_mm2 = 0;
  std::vector<double> task_latency_ms;
  std::string infeasible;  ///< a design over its budget, a layer its buffers cannot hold
  double excess = 0;       ///< summed relative excess over the specs (or the budget)
  json to_json() const {
    json j = {{"latency_ms", latency_ms},
              {"energy_mj", energy_mj},
              {"area_mm2", area_mm2},
              {"task_latency_ms", task_latency_ms}};
    return j;
  }
};

class CoexploreStrategy : public SearchStrategy {
 public:
  explicit CoexploreStrategy(const RunSetup& s)
      : opt_(s.strategy_as<CoexploreOptions>()), ds_(*opt_.design_space) {}

  StrategyOutcome run(SearchContext& ctx) override {
    const auto t0 = Clock::now();
    setup_tasks(ctx);
    read_records(ctx.run);
    spdlog::info("coexplore ({}): {} samples over {} task(s) and design space {} ({} designs)",
                 opt_.controller, opt_.samples, opt_.tasks.size(), ds_.name, ds_.size());
    const bool done =
        opt_.controller == "evolution" ? run_evolution_driver(ctx) : run_controller(ctx);
    StrategyOutcome out;
    if (!done) {
      ctx.save_state();
      out.interrupted = true;
      return out;
    }
    const json* best = nullptr;
    for (const json& r : records_)
      if (r.at("feasible").get<bool>() && (!best || r.at("reward") > best->at("reward"))) best = &r;
    if (!best)
      throw std::runtime_error(fmt::format(
          "coexplore: none of the {} samples met every spec; loosen strategy.specs or draw more "
          "samples",
          records_.size()));
    out.summary = {{"samples", records_.size()},
                   {"rejected_early", count_rejected()},
                   {"refused_draws", rejected_draws_},
                   {"coexplored", result_json(ctx, *best, "coexplore/best")}};
    if (opt_.baseline == "successive") {
      auto succ = successive(ctx);
      if (!succ) {
        ctx.save_state();
        out.interrupted = true;
        return out;
      }
      out.summary["successive"] = *succ;
    }
    write_file_atomic(ctx.run.file("coexplore/result.json"), out.summary.dump(1) + "\n");
    if (!write_plots(ctx, out.summary))
      spdlog::warn("coexplore/*.png not drawn: gnuplot (Debian's gnuplot-nox) is not installed");
    out.ranked.push_back(task_genotype(best->at("genotype").get<Genotype>(), 0));
    out.seconds = seconds_since(t0);
    return out;
  }

  json save_state() const override { return {{"updates", updates_}}; }
  bool spreads_evaluations() const override { return true; }
  void load_state(const json& state) override { updates_ = state.at("updates").get<int>(); }

 private:
  void setup_tasks(SearchContext& ctx) {
    tasks_.clear();
    for (const CoexploreTask& t : opt_.tasks) {
      TaskRunner r;
      r.setup = std::make_unique<RunSetup>();
      r.setup->config = ctx.setup.config;
      r.setup->space = *t.space;
      r.setup->fitness = builtin_fitness_options().read(*t.fitness_node);
      r.setup->fitness->resolve(r.setup->space, *t.fitness_node);
      // One process per provider: the ranks share the evaluations instead.
      r.fitness = builtin_fitness().make(r.setup->fitness->type,
                                         {*r.setup, ctx.data, ctx.device, local_communicator()});
      tasks_.push_back(std::move(r));
    }
    fs::create_directories(ctx.run.file("coexplore"));
  }

  // candidates.jsonl so far: every sample in order, and the task scores.
  void read_records(const RunDir& run) {
    records_.clear();
    const std::string path = run.file("candidates.jsonl");
    if (!fs::exists(path)) return;
    const std::string text = read_text_file(path);
    std::size_t start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
      json r = json::parse(text.substr(start, nl - start));
      for (std::size_t t = 0; t < tasks_.size(); ++t) {
        const json& f = r.at("fitness").at(t);
        if (!f.is_null()) tasks_[t].scores[r.at("tasks").at(t).get<Genotype>()] = f.get<double>();
      }
      records_.push_back(std::move(r));
    }
  }

  Genotype task_genotype(const Genotype& joint, std::size_t t) const {
    return Genotype(joint.begin() + std::ptrdiff_t(opt_.offset(t)),
                    joint.begin() + std::ptrdiff_t(opt_.offset(t + 1)));
  }
  std::vector<int> design_choice(const Genotype& joint) const {
    return std::vector<int>(joint.begin() + std::ptrdiff_t(opt_.offset(opt_.tasks.size())),
                            joint.end());
  }

  // The chosen value of every searched design parameter, by its key.
  json design_values(const std::vector<int>& pick) const {
    json out = json::object();
    for (std::size_t i = 0; i < ds_.choices.size(); ++i)
      out[ds_.choices[i].key] = ds_.choices[i].options[std::size_t(pick[i])];
    return out;
  }

  // One task's network on one sub-accelerator, cached by both.
  std::pair<double, double> network_cost(std::size_t t, const Genotype& g,
                                         const accel::AccelParams& hw, const json& hw_key) {
    const std::string key = fmt::format("{}|{}|{}", t, format_genotype(g), hw_key.dump());
    auto hit = net_costs_.find(key);
    if (hit != net_costs_.end()) return hit->second;
    Arch a = decode(*opt_.tasks[t].space, g);
    a.name = opt_.tasks[t].name;
    const accel::NetworkCost n = accel::evaluate_network(a, hw);
    return net_costs_[key] = {n.latency_ms, n.energy_mj};
  }

  ChipCost chip_cost(const std::vector<Genotype>& nets, const std::vector<int>& pick) {
    ChipCost c;
    const accel::AccelDesign d = ds_.design(pick);
    c.infeasible = accel::design_violation(d);
    if (!c.infeasible.empty()) {
      c.excess = 1;  // over its own budget: no costs to weigh
      return c;
    }
    const json design = ds_.design_json(pick);
    std::vector<double> busy(d.subs.size(), 0);
    try {
      for (std::size_t t = 0; t < nets.size(); ++t) {
        HWNAS_ASSERT(d.mapping.at(t).size() == 1 && d.mapping[t][0].last < 0,
                     "coexplore: a layer-range mapping passed the options' check");
        const int s = d.mapping[t].front().sub;
        auto [lat, energy] = network_cost(t, nets[t], d.subs[std::size_t(s)],
                                          design.at("sub_accelerators").at(std::size_t(s)));
        c.task_latency_ms.push_back(lat);
        busy[std::size_t(s)] += lat;
        c.latency_ms = std::max(c.latency_ms, lat);
        c.energy_mj += energy;
      }
    } catch (const accel::BufferError& e) {
      c.infeasible = e.message();
      c.excess = 1;
      return c;
    }
    for (double b : busy) c.latency_ms = std::max(c.latency_ms, b);
    for (const auto& p : d.subs) c.area_mm2 += accel::area_mm2(p);
    auto over = [&](const std::optional<double>& spec, double v) {
      if (spec && v > *spec) c.excess += v / *spec - 1;
    };
    over(opt_.specs.latency_ms, c.latency_ms);
    over(opt_.specs.energy_mj, c.energy_mj);
    over(opt_.specs.area_mm2, c.area_mm2);
    return c;
  }

  // Prices, and scores when every spec holds; appends the record. Nothing
  // when interrupted.
  std::optional<json> evaluate(const RunDir& run, const Genotype& joint, std::int64_t index) {
    if (index < std::int64_t(records_.size())) return records_[std::size_t(index)];
    if (stop_requested().load()) return std::nullopt;
    const auto t0 = Clock::now();
    std::vector<Genotype> nets;
    for (std::size_t t = 0; t < tasks_.size(); ++t) nets.push_back(task_genotype(joint, t));
    const ChipCost cost = chip_cost(nets, design_choice(joint));
    json fitness = json::array();
    std::string reason = cost.infeasible;
    if (reason.empty() && cost.excess > 0) reason = "over a spec";
    double reward = opt_.violation_reward - opt_.penalty * cost.excess;
    if (reason.empty()) {
      reward = 0;
      for (std::size_t t = 0; t < tasks_.size() && reason.empty(); ++t) {
        TaskRunner& r = tasks_[t];
        if (!r.fitness->covers(nets[t])) {
          reason = fmt::format("task '{}' not in its fitness table", opt_.tasks[t].name);
          break;
        }
        auto hit = r.scores.find(nets[t]);
        if (hit == r.scores.end()) {
          const auto f = r.fitness->score(nets[t]);
          if (!f) return std::nullopt;
          hit = r.scores.emplace(nets[t], *f).first;
        }
        reward += opt_.tasks[t].weight * hit->second;
      }
      if (!reason.empty()) reward = opt_.violation_reward - opt_.penalty;
    }
    for (std::size_t t = 0; t < tasks_.size(); ++t) {
      auto hit = tasks_[t].scores.find(nets[t]);
      fitness.push_back(reason.empty() && hit != tasks_[t].scores.end() ? json(hit->second)
                                                                        : json(nullptr));
    }
    json record = {{"index", index},
                   {"genotype", joint},
                   {"tasks", nets},
                   {"design", design_values(design_choice(joint))},
                   {"fitness", fitness},
                   {"costs", cost.to_json()},
                   {"feasible", reason.empty()},
                   {"reason", reason},
                   {"reward", reward},
                   {"seconds", seconds_since(t0)}};
    run.append("candidates.jsonl", record);
    records_.push_back(record);
    return record;
  }

  // Over several ranks, scores every task network that evaluate() will ask
  // for among `joints` (samples that meet every spec, up to the first task
  // that the task's provider does not cover), each on one rank; evaluate()
  // then finds them scored. One process: evaluate() scores as it goes, which
  // gives the same scores. False when stopped.
  bool prescore(const std::vector<Genotype>& joints, Communicator& comm) {
    if (comm.size() == 1) return true;
    std::vector<std::vector<Genotype>> todo(tasks_.size());
    std::vector<std::set<Genotype>> queued(tasks_.size());
    for (const Genotype& joint : joints) {
      std::vector<Genotype> nets;
      for (std::size_t t = 0; t < tasks_.size(); ++t) nets.push_back(task_genotype(joint, t));
      const ChipCost cost = chip_cost(nets, design_choice(joint));
      if (!cost.infeasible.empty() || cost.excess > 0) continue;
      for (std::size_t t = 0; t < tasks_.size(); ++t) {
        if (!tasks_[t].fitness->covers(nets[t])) break;
        if (!tasks_[t].scores.count(nets[t]) && queued[t].insert(nets[t]).second)
          todo[t].push_back(nets[t]);
      }
    }
    for (std::size_t t = 0; t < tasks_.size(); ++t)
      if (!score_spread(*tasks_[t].fitness, comm, todo[t], [&](std::size_t i, double f, double) {
            tasks_[t].scores.emplace(todo[t][i], f);
          }))
        return false;
    return true;
  }

  std::int64_t count_rejected() const {
    std::int64_t n = 0;
    for (const json& r : records_) n += r.at("feasible").get<bool>() ? 0 : 1;
    return n;
  }

  // REINFORCE (or uniform draws): batches of samples, one update each; the
  // controller checkpoints after every update.
  bool run_controller(SearchContext& ctx) {
    const std::string ckpt = ctx.run.file("coexplore/controller.pt");
    auto controller = make_sequence_controller(opt_.controller, opt_.sizes(),
                                               {opt_.lr, opt_.entropy, opt_.baseline_decay},
                                               ctx.setup.config.seed);
    if (updates_ > 0 && fs::exists(ckpt)) controller->load(ckpt);
    ProgressLine bar("coexplore", opt_.samples, std::int64_t(updates_) * opt_.batch, "sample");
    for (std::int64_t i = std::int64_t(updates_) * opt_.batch; i < opt_.samples;) {
      // A batch's samples do not depend on each other's rewards: draw them
      // all, score them (spread over the ranks), then record them in order.
      const std::int64_t first = i;
      std::vector<SequenceSample> drawn;
      for (int b = 0; b < opt_.batch && i < opt_.samples; ++b, ++i) {
        torch::manual_seed(seeded_rng(ctx.setup.config.seed, i, 0xC0)());
        drawn.push_back(controller->sample());
      }
      std::vector<Genotype> fresh;
      for (std::size_t b = 0; b < drawn.size(); ++b)
        if (first + std::int64_t(b) >= std::int64_t(records_.size()))
          fresh.push_back(drawn[b].choices);
      if (!prescore(fresh, ctx.comm)) return false;
      std::vector<torch::Tensor> lps, ents;
      std::vector<double> rewards;
      for (std::size_t b = 0; b < drawn.size(); ++b) {
        const auto r = evaluate(ctx.run, drawn[b].choices, first + std::int64_t(b));
        if (!r) return false;
        lps.push_back(drawn[b].log_prob);
        ents.push_back(drawn[b].entropy);
        rewards.push_back(r->at("reward").get<double>());
      }
      controller->update(lps, ents, rewards);
      ++updates_;
      controller->save(ckpt);
      ctx.save_state();
      double mean = 0;
      for (double r : rewards) mean += r / double(rewards.size());
      spdlog::log(progress_enabled() ? spdlog::level::debug : spdlog::level::info,
                  "coexplore: {}/{} samples, mean reward {:.4f}, {} refused early", i, opt_.samples,
                  mean, count_rejected());
      bar.update(i, fmt::format("mean reward {:.4f}, {} refused early", mean, count_rejected()));
    }
    return true;
  }

  // NSGA-II over the joint genotype: the weighted fitness up, the chip's
  // latency, energy and area down; a sample over a spec is refused before
  // any scoring (EEEA-Net's early exit) and recorded as one.
  bool run_evolution_driver(SearchContext& ctx) {
    const Space joint = opt_.joint_space();
    EvolutionSettings s;
    s.population = opt_.population;
    s.evaluations = opt_.samples;
    std::int64_t next = 0;  // index of the next record
    EvolutionHooks h;
    std::map<Genotype, json> refused;
    h.reject = [&](const Genotype& g, bool) -> std::string {
      std::vector<Genotype> nets;
      for (std::size_t t = 0; t < tasks_.size(); ++t) nets.push_back(task_genotype(g, t));
      const ChipCost c = chip_cost(nets, design_choice(g));
      if (!c.infeasible.empty()) return c.infeasible;
      return c.excess > 0 ? "over a spec" : "";
    };
    h.evaluate = [&](Individual& c) {
      const auto r = evaluate(ctx.run, c.genotype, next);
      if (!r) return false;
      ++next;
      c.fitness = r->at("reward").get<double>();
      const json& k = r->at("costs");
      c.objectives = {-c.fitness, k.at("latency_ms").get<double>(), k.at("energy_mj").get<double>(),
                      k.at("area_mm2").get<double>()};
      return true;
    };
    if (ctx.comm.size() > 1)
      h.evaluate_batch = [&](std::vector<Individual>& batch) {
        std::vector<Genotype> joints;
        for (const Individual& c : batch) joints.push_back(c.genotype);
        if (!prescore(joints, ctx.comm)) return false;
        for (Individual& c : batch)
          if (!h.evaluate(c)) return false;
        return true;
      };
    const EvolutionResult r = run_evolution(joint, s, ctx.setup.config.seed, h);
    std::int64_t refused_early = 0;
    for (const auto& [why, n] : r.rejected) refused_early += n;
    spdlog::info("coexplore (evolution): {} scored, {} draws refused before scoring",
                 r.history.size(), refused_early);
    rejected_draws_ = refused_early;
    return !r.interrupted;
  }

  // The picked networks and design: files, and what summary.md shows.
  json result_json(const SearchContext& ctx, const json& record, const std::string& tag) {
    const Genotype joint = record.at("genotype").get<Genotype>();
    const std::string dir = ctx.run.file(tag);
    fs::create_directories(dir);
    json nets = json::array();
    for (std::size_t t = 0; t < tasks_.size(); ++t) {
      Arch a = decode(*opt_.tasks[t].space, task_genotype(joint, t));
      a.name = opt_.tasks[t].name;
      const std::string file = fmt::format("{}/{}.arch.json", dir, opt_.tasks[t].name);
      save_arch(a, file);
      const Cost ir = ctx.setup.models.at("ir").model->network(a);
      nets.push_back({{"task", opt_.tasks[t].name},
                      {"genotype", task_genotype(joint, t)},
                      {"fitness", record.at("fitness").at(t)},
                      {"macs", ir[Metric::Macs]},
                      {"arch", file}});
    }
    write_file_atomic(dir + "/design.yaml", to_yaml(ds_.design_json(design_choice(joint))));
    json costs = record.at("costs");
    json meets = json::object();
    auto meet = [&](const char* key, const std::optional<double>& spec) {
      if (spec) meets[key] = costs.at(key).get<double>() <= *spec;
    };
    meet("latency_ms", opt_.specs.latency_ms);
    meet("energy_mj", opt_.specs.energy_mj);
    meet("area_mm2", opt_.specs.area_mm2);
    return {
        {"networks", nets}, {"design", record.at("design")}, {"design_file", dir + "/design.yaml"},
        {"costs", costs},   {"meets_specs", meets},          {"reward", record.at("reward")}};
  }

  // Reward against each of the chip's costs: every sample that met the
  // specs, the specs as dashed lines, both flows' picks.
  bool write_plots(const SearchContext& ctx, const json& summary) const {
    const std::vector<std::pair<std::string, std::optional<double>>> metrics = {
        {"latency_ms", opt_.specs.latency_ms},
        {"energy_mj", opt_.specs.energy_mj},
        {"area_mm2", opt_.specs.area_mm2}};
    for (const auto& [metric, spec] : metrics) {
      Plot plot;
      plot.title =
          fmt::format("coexplore ({}): reward against the chip's {}", opt_.controller, metric);
      plot.xlabel = metric;
      plot.ylabel = "reward (weighted fitness)";
      plot.settings.push_back("key below");
      PlotSeries all{"samples meeting every spec", {}, "", "points pt 7 ps 0.5 lc 'gray'"};
      for (const json& r : records_)
        if (r.at("feasible").get<bool>())
          all.points.emplace_back(r.at("costs").at(metric).get<double>(),
                                  r.at("reward").get<double>());
      plot.series.push_back(all);
      auto mark = [&](const char* key, const char* title, const char* style) {
        if (!summary.contains(key)) return;
        const json& f = summary.at(key);
        plot.series.push_back(
            {title,
             {{f.at("costs").at(metric).get<double>(), f.at("reward").get<double>()}},
             "",
             style});
      };
      mark("coexplored", "co-explored pick", "points pt 6 ps 2.5 lw 2 lc 'black'");
      mark("successive", "successive design", "points pt 4 ps 2.5 lw 2 lc 'red'");
      if (spec)
        plot.settings.push_back(
            fmt::format("arrow from {},graph 0 to {},graph 1 nohead dt 2 lc 'blue'", *spec, *spec));
      if (!write_plot_png(plot, ctx.run.file("coexplore/" + metric + ".png"))) return false;
    }
    return true;
  }

  // NASAIC's "successive" flow: each task's network searched for its fitness
  // alone (under its `macs` budget), then the best design for those networks.
  std::optional<json> successive(SearchContext& ctx) {
    std::vector<Genotype> nets;
    for (std::size_t t = 0; t < tasks_.size(); ++t) {
      const CoexploreTask& task = opt_.tasks[t];
      TaskRunner& r = tasks_[t];
      std::vector<Genotype> drawn, todo;
      std::set<Genotype> queued;
      for (std::int64_t k = 0; k < opt_.samples; ++k) {
        Rng rng = seeded_rng(ctx.setup.config.seed, k, 0x5C + std::uint32_t(t));
        const Genotype g = sample(*task.space, rng);
        if (!r.fitness->covers(g)) continue;
        if (task.macs && ctx.setup.models.at("ir").model->network(
                             decode(*task.space, g))[Metric::Macs] > *task.macs)
          continue;
        drawn.push_back(g);
        if (!r.scores.count(g) && queued.insert(g).second) todo.push_back(g);
      }
      if (!score_spread(*r.fitness, ctx.comm, todo,
                        [&](std::size_t i, double f, double) { r.scores.emplace(todo[i], f); }))
        return std::nullopt;
      std::optional<std::pair<double, Genotype>> best;
      for (const Genotype& g : drawn)
        if (!best || r.scores.at(g) > best->first) best = {{r.scores.at(g), g}};
      if (!best)
        throw std::runtime_error(fmt::format(
            "successive baseline: no network of task '{}' within its macs budget", task.name));
      nets.push_back(best->second);
    }
    // Every design when there are few, else as many drawn as the search drew.
    std::vector<std::vector<int>> picks;
    const auto sizes = ds_.sizes();
    if (ds_.size() <= 100000) {
      std::vector<int> p(sizes.size(), 0);
      for (;;) {
        picks.push_back(p);
        std::size_t k = 0;
        for (; k < p.size(); ++k) {
          if (++p[k] < sizes[k]) break;
          p[k] = 0;
        }
        if (k == p.size()) break;
      }
    } else {
      for (std::int64_t k = 0; k < opt_.samples; ++k) {
        Rng rng = seeded_rng(ctx.setup.config.seed, k, 0x5D);
        std::vector<int> p;
        for (int n : sizes) p.push_back(std::uniform_int_distribution<int>(0, n - 1)(rng));
        picks.push_back(p);
      }
    }
    // The hardware designer's pick: a design meeting every spec at the
    // lowest latency, else the one closest to the specs.
    std::optional<std::pair<ChipCost, std::vector<int>>> best;
    for (const auto& p : picks) {
      ChipCost c = chip_cost(nets, p);
      if (!c.infeasible.empty()) continue;
      if (!best || c.excess < best->first.excess ||
          (c.excess == best->first.excess && c.latency_ms < best->first.latency_ms))
        best = {{c, p}};
    }
    if (!best) throw std::runtime_error("successive baseline: no design holds the networks");
    Genotype joint;
    json fitness = json::array();
    double reward = 0;
    for (std::size_t t = 0; t < nets.size(); ++t) {
      joint.insert(joint.end(), nets[t].begin(), nets[t].end());
      fitness.push_back(tasks_[t].scores.at(nets[t]));
      reward += opt_.tasks[t].weight * tasks_[t].scores.at(nets[t]);
    }
    joint.insert(joint.end(), best->second.begin(), best->second.end());
    const json record = {{"genotype", joint},
                         {"design", design_values(best->second)},
                         {"fitness", fitness},
                         {"costs", best->first.to_json()},
                         {"reward", reward}};
    return result_json(ctx, record, "coexplore/successive");
  }

  const CoexploreOptions& opt_;
  const accel::DesignSpace& ds_;
  std::vector<TaskRunner> tasks_;
  std::vector<json> records_;
  std::map<std::string, std::pair<double, double>> net_costs_;
  int updates_ = 0;
  std::int64_t rejected_draws_ = 0;
};

}  // namespace

void register_coexplore_strategy(StrategyRegistry& r) {
  r.add("coexplore", [](const RunSetup& s) { return std::make_unique<CoexploreStrategy>(s); });
}

}  // namespace hwnas
