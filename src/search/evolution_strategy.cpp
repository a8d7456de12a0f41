// Strategy `evolution`: the evolution engine (search/evolution.h) with the
// run's fitness provider, constraints, early-exit thresholds and objectives.
// candidates.jsonl is the cache of scores: a resumed run replays the engine
// from it to where it stopped and scores nothing twice. After each
// generation, the front of every candidate scored so far goes to
// pareto.jsonl and its hypervolume to the events (once, whatever the
// replays); at the end pareto.json holds that front with each member's arch.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hwnas/common/clock.h"
#include "hwnas/common/files.h"
#include "hwnas/common/plot.h"
#include "hwnas/common/progress.h"
#include "hwnas/common/stop.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/search/evolution_options.h"
#include "hwnas/search/fitness.h"
#include "hwnas/search/strategy.h"

namespace hwnas {

namespace {

// Hypervolume in the objectives' own units (their product) against a fixed
// reference point: the configured one, or per objective the first
// population's worst value plus a tenth of its range there. Also given as a
// ratio to the first population's, so "up" reads at a glance.
class FrontMeasure {
 public:
  FrontMeasure(const std::vector<ObjectiveSpec>& objectives, const std::vector<double>& reference)
      : objectives_(objectives) {
    for (std::size_t k = 0; k < reference.size(); ++k)
      ref_.push_back(objectives[k].flip(reference[k]));
  }
  void calibrate(const std::vector<Individual>& first) {
    if (ref_.empty()) {
      Objectives lo = first.at(0).objectives, hi = lo;
      for (const auto& c : first)
        for (std::size_t k = 0; k < lo.size(); ++k) {
          lo[k] = std::min(lo[k], c.objectives[k]);
          hi[k] = std::max(hi[k], c.objectives[k]);
        }
      for (std::size_t k = 0; k < lo.size(); ++k) ref_.push_back(hi[k] + 0.1 * (hi[k] - lo[k]));
    }
    first_ = hypervolume_of(pareto_front(first));
  }
  double hypervolume_of(const std::vector<Individual>& front) const {
    std::vector<Objectives> pts;
    for (const auto& c : front) pts.push_back(c.objectives);
    return hypervolume(pts, ref_);
  }
  double ratio(double hv) const { return first_ > 0 ? hv / first_ : 0.0; }
  json to_json() const {
    json ref = json::object();
    for (std::size_t k = 0; k < ref_.size(); ++k)
      ref[objectives_[k].key()] = objectives_[k].flip(ref_[k]);
    return {{"reference", ref}, {"first_population", first_}};
  }

 private:
  const std::vector<ObjectiveSpec>& objectives_;
  Objectives ref_;  ///< minimised form
  double first_ = 0;
};

json member_json(const Individual& c) {
  return {{"genotype", c.genotype},
          {"fitness", c.fitness},
          {"objectives", c.objectives},
          {"index", c.index}};
}

class EvolutionStrategy : public SearchStrategy {
 public:
  explicit EvolutionStrategy(const RunSetup& s) : opt_(s.strategy_as<EvolutionOptions>()) {}

  StrategyOutcome run(SearchContext& ctx) override {
    const RunSetup& s = ctx.setup;
    const Pricing pricing = s.pricing();
    const Pricing early(s.space, s.models, opt_.early_exit);
    std::map<Genotype, json> cache = read_candidate_records(ctx.run);
    const std::size_t cached = cache.size();
    StrategyOutcome out;
    const auto t0 = Clock::now();
    FrontMeasure measure(opt_.objectives, opt_.hypervolume_reference);
    spdlog::info(
        "evolution ({}): {} evaluations, population {}, of {} scored by {} fitness ({} "
        "already scored)",
        opt_.settings.selection, opt_.settings.evaluations, opt_.settings.population, s.space.name,
        s.fitness->type, cached);

    EvolutionHooks h;
    ProgressLine bar("evolution", opt_.settings.evaluations, std::int64_t(cached), "evaluation");
    double best = -INFINITY;
    for (const auto& [g, rec] : cache)
      if (rec.contains("fitness") && rec["fitness"].is_number())
        best = std::max(best, rec["fitness"].get<double>());
    rejected_.clear();  // a replay counts them again
    auto why = [&](const Genotype& g, bool offspring) -> std::string {
      if (const Constraint* c = pricing.violated(g)) return c->describe();
      if (!offspring || opt_.early_exit_offspring)
        if (const Constraint* c = early.violated(g)) return "early exit: " + c->describe();
      if (!ctx.fitness->covers(g)) return "not in the fitness table";
      return "";
    };
    h.reject = [&](const Genotype& g, bool offspring) {
      std::string reason = why(g, offspring);
      if (!reason.empty()) ++rejected_[reason];
      return reason;
    };
    // A batch is spread over the ranks; what was scored before an
    // interruption comes from the cache.
    h.evaluate_batch = [&](std::vector<Individual>& batch) {
      std::vector<const Individual*> todo;
      std::vector<Genotype> genotypes;
      for (const auto& c : batch)
        if (!cache.count(c.genotype)) todo.push_back(&c), genotypes.push_back(c.genotype);
      const bool done = score_spread(
          *ctx.fitness, ctx.comm, genotypes, [&](std::size_t i, double f, double seconds) {
            const Individual& c = *todo[i];
            json record = {{"genotype", c.genotype},
                           {"fitness", f},
                           {"costs", pricing.flat_costs(decode(s.space, c.genotype))},
                           {"generation", c.generation},
                           {"parents", c.parents},
                           {"index", c.index},
                           {"seconds", seconds}};
            ctx.run.append("candidates.jsonl", record);
            cache[c.genotype] = std::move(record);
            spdlog::log(progress_enabled() ? spdlog::level::debug : spdlog::level::info,
                        "candidate {}/{} (generation {}, {}): fitness {:.4f}", c.index + 1,
                        opt_.settings.evaluations, c.generation, format_genotype(c.genotype), f);
            best = std::max(best, f);
            bar.update(c.index + 1,
                       fmt::format("generation {} | best fitness {:.4f}", c.generation, best));
          });
      if (!done) return false;
      for (auto& c : batch) {
        const json& record = cache.at(c.genotype);
        c.fitness = record.at("fitness").get<double>();
        for (const auto& o : opt_.objectives) {
          const double v =
              o.metric == "fitness" ? c.fitness : record.at("costs").at(o.key()).get<double>();
          c.objectives.push_back(o.flip(v));
        }
      }
      return true;
    };
    h.on_generation = [&](int gen, const std::vector<Individual>& pop,
                          const std::vector<Individual>& history) {
      if (gen == 0) measure.calibrate(pop);
      if (gen < generations_written_) return;  // replayed: written before
      // The trade-offs found so far: the front of every candidate scored.
      const auto front = pareto_front(history);
      const double hv = measure.hypervolume_of(front);
      json members = json::array();
      for (const auto& c : front) members.push_back(member_json(c));
      ctx.run.append("pareto.jsonl", {{"generation", gen},
                                      {"hypervolume", hv},
                                      {"hypervolume_ratio", measure.ratio(hv)},
                                      {"front", members}});
      ctx.run.event({{"event", "generation"},
                     {"generation", gen},
                     {"hypervolume", hv},
                     {"hypervolume_ratio", measure.ratio(hv)},
                     {"front", front.size()},
                     {"rejected", rejected_}});
      spdlog::info(
          "generation {}: {} on the front, hypervolume {:.6g} ({:.3f}x the first "
          "population's)",
          gen, front.size(), hv, measure.ratio(hv));
      generations_written_ = gen + 1;
      ctx.save_state();
    };
    EvolutionResult r = run_evolution(s.space, opt_.settings, s.config.seed, h);
    rejected_ = r.rejected;  // with the duplicates the engine refused itself
    if (r.interrupted) {
      ctx.save_state();
      out.interrupted = true;
      return out;
    }
    if (r.history.empty())
      throw std::runtime_error("evolution scored no candidate that meets every constraint");
    const std::vector<Individual> front = pareto_front(r.history);
    const Individual chosen = picked(front);
    write_front(ctx, front, measure, chosen);
    if (!write_fronts_png(ctx.run.file("pareto.png"), r.history, chosen))
      spdlog::warn("pareto.png not drawn: gnuplot (Debian's gnuplot-nox) is not installed");
    std::vector<Individual> ranked = r.history;
    std::stable_sort(ranked.begin(), ranked.end(), [](const Individual& a, const Individual& b) {
      return a.fitness > b.fitness;
    });
    out.ranked.push_back(chosen.genotype);
    for (const auto& c : ranked)
      if (c.index != chosen.index) out.ranked.push_back(c.genotype);
    out.seconds = seconds_since(t0);
    out.summary = {{"candidates", r.history.size()}, {"draws", r.draws},
                   {"rejected", r.rejected},         {"generations", generations_written_},
                   {"front", front.size()},          {"best_fitness", ranked.front().fitness},
                   {"picked", member_json(chosen)}};
    return out;
  }

  bool spreads_evaluations() const override { return true; }
  json save_state() const override {
    return {{"generations_written", generations_written_}, {"rejected", rejected_}};
  }
  void load_state(const json& state) override {
    generations_written_ = state.at("generations_written").get<int>();
    rejected_ = state.at("rejected").get<std::map<std::string, std::int64_t>>();
  }

 private:
  // pareto.json: the front of every candidate scored, each member with its arch.
  void write_front(SearchContext& ctx, const std::vector<Individual>& front, const FrontMeasure& m,
                   const Individual& chosen) const {
    json objectives = json::array();
    for (const auto& o : opt_.objectives)
      objectives.push_back({{"objective", o.key()}, {"goal", o.maximise ? "max" : "min"}});
    json members = json::array();
    for (const auto& c : front) {
      json j = member_json(c);
      Arch a = decode(ctx.setup.space, c.genotype);
      j["arch"] = arch_to_json(a);
      members.push_back(j);
    }
    write_file_atomic(ctx.run.file("pareto.json"), json{{"objectives", objectives},
                                                        {"hypervolume_measure", m.to_json()},
                                                        {"hypervolume", m.hypervolume_of(front)},
                                                        {"picked", chosen.index},
                                                        {"front", members}}
                                                           .dump(1) +
                                                       "\n");
  }

  // Fitness against the first cost objective (or the evaluation index when
  // fitness is the only one): every candidate, the fronts of the first,
  // some middle and the last generation, and the picked member.
  bool write_fronts_png(const std::string& path, const std::vector<Individual>& history,
                        const Individual& chosen) const {
    std::size_t k = 0;
    while (k < opt_.objectives.size() && opt_.objectives[k].metric == "fitness") ++k;
    auto x_of = [&](const Individual& c) {
      if (k == opt_.objectives.size()) return double(c.index);
      return opt_.objectives[k].flip(c.objectives[k]);
    };
    Plot plot;
    plot.title =
        fmt::format("evolution ({}): candidates and fronts by generation", opt_.settings.selection);
    plot.xlabel = k == opt_.objectives.size() ? "evaluation" : opt_.objectives[k].key();
    plot.ylabel = "fitness";
    PlotSeries all{"candidates", {}, "", "points pt 7 ps 0.4 lc 'gray'"};
    for (const auto& c : history) all.points.emplace_back(x_of(c), c.fitness);
    plot.series.push_back(all);
    const int last = history.back().generation;
    std::vector<int> shown = {0, last / 3, 2 * last / 3, last};
    shown.erase(std::unique(shown.begin(), shown.end()), shown.end());
    for (int g : shown) {
      std::vector<Individual> upto;
      for (const auto& c : history)
        if (c.generation <= g) upto.push_back(c);
      auto front = pareto_front(upto);
      std::sort(front.begin(), front.end(),
                [&](const Individual& a, const Individual& b) { return x_of(a) < x_of(b); });
      PlotSeries s{fmt::format("front after generation {}", g), {}, "", "linespoints pt 7 ps 0.8"};
      for (const auto& c : front) s.points.emplace_back(x_of(c), c.fitness);
      plot.series.push_back(std::move(s));
    }
    plot.series.push_back(
        {"picked", {{x_of(chosen), chosen.fitness}}, "", "points pt 6 ps 2.5 lw 2 lc 'black'"});
    return write_plot_png(plot, path);
  }

  // The front member the pick rule takes (see PickRule).
  Individual picked(const std::vector<Individual>& front) const {
    std::size_t k = 0;
    while (opt_.objectives[k].key() != opt_.pick.by) ++k;
    double best = -HUGE_VAL;
    for (const auto& c : front) best = std::max(best, c.fitness);
    const Individual* out = nullptr;
    for (const auto& c : front) {
      if (opt_.pick.fitness_within && c.fitness < best - *opt_.pick.fitness_within) continue;
      const double v = opt_.objectives[k].flip(c.objectives[k]);
      const double w = out ? opt_.objectives[k].flip(out->objectives[k]) : 0.0;
      if (!out || (opt_.pick.maximise ? v > w : v < w) || (v == w && c.fitness > out->fitness))
        out = &c;
    }
    return *out;
  }

  const EvolutionOptions& opt_;
  int generations_written_ = 0;
  std::map<std::string, std::int64_t> rejected_;
};

}  // namespace

void register_evolution_strategy(StrategyRegistry& r) {
  r.add("evolution", [](const RunSetup& s) { return std::make_unique<EvolutionStrategy>(s); });
}

}  // namespace hwnas
