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
#include "hwnas/common/stop.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/search/evolution_options.h"
#include "hwnas/search/fitness.h"
#include "hwnas/search/strategy.h"

namespace hwnas {

namespace {

// Hypervolume of a front with each objective scaled to [0, 1] by its range
// over the first population, against the point 1.1 in every objective.
class FrontMeasure {
 public:
  void calibrate(const std::vector<Individual>& first) {
    lo_ = hi_ = first.at(0).objectives;
    for (const auto& c : first)
      for (std::size_t k = 0; k < lo_.size(); ++k) {
        lo_[k] = std::min(lo_[k], c.objectives[k]);
        hi_[k] = std::max(hi_[k], c.objectives[k]);
      }
  }
  double hypervolume_of(const std::vector<Individual>& front) const {
    std::vector<Objectives> pts;
    for (const auto& c : front) {
      Objectives p(lo_.size());
      for (std::size_t k = 0; k < lo_.size(); ++k)
        p[k] = hi_[k] > lo_[k] ? (c.objectives[k] - lo_[k]) / (hi_[k] - lo_[k]) : 0.0;
      pts.push_back(p);
    }
    return hypervolume(pts, Objectives(lo_.size(), 1.1));
  }
  json to_json() const { return {{"min", lo_}, {"max", hi_}, {"reference", 1.1}}; }

 private:
  Objectives lo_, hi_;
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
    FrontMeasure measure;
    spdlog::info(
        "evolution ({}): {} evaluations, population {}, of {} scored by {} fitness ({} "
        "already scored)",
        opt_.settings.selection, opt_.settings.evaluations, opt_.settings.population, s.space.name,
        s.fitness->type, cached);

    EvolutionHooks h;
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
    h.evaluate = [&](Individual& c) {
      auto hit = cache.find(c.genotype);
      json record;
      if (hit != cache.end()) {
        record = hit->second;  // scored before an interruption
      } else {
        if (stop_requested().load()) return false;
        const auto c0 = Clock::now();
        const auto f = ctx.fitness->score(c.genotype);
        if (!f) return false;
        record = {{"genotype", c.genotype},
                  {"fitness", *f},
                  {"costs", pricing.flat_costs(decode(s.space, c.genotype))},
                  {"generation", c.generation},
                  {"parents", c.parents},
                  {"index", c.index},
                  {"seconds", seconds_since(c0)}};
        ctx.run.append("candidates.jsonl", record);
        cache[c.genotype] = record;
        spdlog::info("candidate {}/{} (generation {}, {}): fitness {:.4f}", c.index + 1,
                     opt_.settings.evaluations, c.generation, format_genotype(c.genotype), *f);
      }
      c.fitness = record.at("fitness").get<double>();
      for (const auto& o : opt_.objectives) {
        const double v =
            o.metric == "fitness" ? c.fitness : record.at("costs").at(o.key()).get<double>();
        c.objectives.push_back(o.maximise ? -v : v);
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
      ctx.run.append("pareto.jsonl",
                     {{"generation", gen}, {"hypervolume", hv}, {"front", members}});
      ctx.run.event({{"event", "generation"},
                     {"generation", gen},
                     {"hypervolume", hv},
                     {"front", front.size()},
                     {"rejected", rejected_}});
      spdlog::info("generation {}: {} on the front, hypervolume {:.4f}", gen, front.size(), hv);
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
    write_front(ctx, r, measure);
    std::vector<Individual> ranked = r.history;
    std::stable_sort(ranked.begin(), ranked.end(), [](const Individual& a, const Individual& b) {
      return a.fitness > b.fitness;
    });
    for (const auto& c : ranked) out.ranked.push_back(c.genotype);
    out.seconds = seconds_since(t0);
    out.summary = {{"candidates", r.history.size()},
                   {"draws", r.draws},
                   {"rejected", r.rejected},
                   {"generations", generations_written_},
                   {"front", pareto_front(r.history).size()},
                   {"best_fitness", ranked.front().fitness}};
    return out;
  }

  json save_state() const override {
    return {{"generations_written", generations_written_}, {"rejected", rejected_}};
  }
  void load_state(const json& state) override {
    generations_written_ = state.at("generations_written").get<int>();
    rejected_ = state.at("rejected").get<std::map<std::string, std::int64_t>>();
  }

 private:
  // pareto.json: the front of every candidate scored, each member with its arch.
  void write_front(SearchContext& ctx, const EvolutionResult& r, const FrontMeasure& m) const {
    json objectives = json::array();
    for (const auto& o : opt_.objectives)
      objectives.push_back({{"objective", o.key()}, {"goal", o.maximise ? "max" : "min"}});
    json members = json::array();
    const auto front = pareto_front(r.history);
    for (const auto& c : front) {
      json j = member_json(c);
      Arch a = decode(ctx.setup.space, c.genotype);
      j["arch"] = arch_to_json(a);
      members.push_back(j);
    }
    write_file_atomic(ctx.run.file("pareto.json"), json{{"objectives", objectives},
                                                        {"normalisation", m.to_json()},
                                                        {"hypervolume", m.hypervolume_of(front)},
                                                        {"front", members}}
                                                           .dump(1) +
                                                       "\n");
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
