// Random search: genotypes drawn uniformly from the space, those that miss a
// constraint rejected through the CostTables (counted per reason), each
// accepted one scored by the run's fitness provider and recorded in
// candidates.jsonl, which is also the cache: a resumed run never scores a
// genotype twice. Draw i comes from a generator seeded by (seed, i) alone.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "hwnas/common/clock.h"
#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/progress.h"
#include "hwnas/common/stop.h"
#include "hwnas/search/fitness.h"
#include "hwnas/search/random_options.h"
#include "hwnas/search/strategy.h"
#include "hwnas/space/genotype.h"

namespace hwnas {

namespace {
namespace fs = std::filesystem;

struct Scored {
  std::int64_t draw;
  Genotype g;
  double fitness;
};

// candidates.jsonl as written so far: genotype -> its record.
std::map<Genotype, Scored> read_cache(const RunDir& run) {
  std::map<Genotype, Scored> cache;
  for (const auto& [g, j] : read_candidate_records(run))
    cache[g] = {j.at("draw").get<std::int64_t>(), g, j.at("fitness").get<double>()};
  return cache;
}

class RandomSearch : public SearchStrategy {
 public:
  explicit RandomSearch(const RunSetup& s) : opt_(s.strategy_as<RandomOptions>()) {}

  StrategyOutcome run(SearchContext& ctx) override {
    const RunSetup& s = ctx.setup;
    const Pricing pricing = s.pricing();
    std::map<Genotype, Scored> cache = read_cache(ctx.run);
    std::vector<Scored> scored;  // accepted in this walk, draw order
    std::set<Genotype> taken;
    for (const auto& [g, c] : cache)
      if (c.draw < draws_) scored.push_back(c), taken.insert(g);
    std::sort(scored.begin(), scored.end(),
              [](const Scored& a, const Scored& b) { return a.draw < b.draw; });
    StrategyOutcome out;
    const auto t0 = Clock::now();
    std::int64_t since_accept = 0;
    spdlog::info("random search: {} candidates of {} scored by {} fitness ({} already done)",
                 opt_.samples, s.space.name, s.fitness->type, scored.size());
    // Accepted candidates wait in `pending` until one per rank is to be
    // scored; then the ranks score them together (score_spread).
    struct Pending {
      Scored cand;
      std::map<std::string, std::int64_t> rejected;  ///< the counts when it was drawn
    };
    std::vector<Pending> pending;
    std::size_t unscored = 0;
    ProgressLine bar("random search", opt_.samples, std::int64_t(scored.size()), "candidate");
    double best = -INFINITY;
    for (const auto& c : scored) best = std::max(best, c.fitness);
    // Scores and records what is pending; false when stopped (the draws go
    // back to the first pending candidate, drawn again on resume).
    auto flush = [&]() -> bool {
      std::vector<Genotype> todo;
      for (const auto& p : pending)
        if (!cache.count(p.cand.g)) todo.push_back(p.cand.g);
      const bool done =
          score_spread(*ctx.fitness, ctx.comm, todo, [&](std::size_t i, double f, double seconds) {
            const Genotype& g = todo[i];
            std::int64_t draw = 0;
            for (const auto& p : pending)
              if (p.cand.g == g) draw = p.cand.draw;
            ctx.run.append("candidates.jsonl", {{"genotype", g},
                                                {"fitness", f},
                                                {"costs", pricing.flat_costs(decode(s.space, g))},
                                                {"seconds", seconds},
                                                {"draw", draw}});
            cache[g] = {draw, g, f};
          });
      if (!done) {
        if (!pending.empty()) {
          draws_ = pending.front().cand.draw;
          rejected_ = pending.front().rejected;
        }
        ctx.save_state();
        return false;
      }
      for (auto& p : pending) {
        p.cand.fitness = cache.at(p.cand.g).fitness;
        scored.push_back(p.cand);
        ctx.run.event({{"event", "candidate"},
                       {"index", scored.size() - 1},
                       {"draw", p.cand.draw},
                       {"genotype", p.cand.g},
                       {"fitness", p.cand.fitness},
                       {"rejected", p.rejected}});
        spdlog::log(progress_enabled() ? spdlog::level::debug : spdlog::level::info,
                    "candidate {}/{} ({}): fitness {:.4f}", scored.size(), opt_.samples,
                    format_genotype(p.cand.g), p.cand.fitness);
        best = std::max(best, p.cand.fitness);
        bar.update(std::int64_t(scored.size()), fmt::format("best fitness {:.4f}", best));
      }
      pending.clear();
      unscored = 0;
      ctx.save_state();
      return true;
    };
    auto interrupted = [&] {
      out.interrupted = true;
      return out;
    };
    while (std::int64_t(scored.size() + pending.size()) < opt_.samples) {
      if (stop_requested().load()) {
        flush();  // agrees on the stop with the other ranks
        return interrupted();
      }
      if (since_accept >= opt_.max_draws_per_sample) {
        spdlog::warn(
            "random search: {} draws in a row gave no new genotype that meets every "
            "constraint; stopping with {} candidates",
            since_accept, scored.size() + pending.size());
        break;
      }
      Rng rng = seeded_rng(s.config.seed, draws_, 3);
      const Genotype g = sample(s.space, rng);
      const std::int64_t draw = draws_++;
      ++since_accept;
      if (const Constraint* c = pricing.violated(g)) {
        ++rejected_[c->describe()];
        continue;
      }
      if (!ctx.fitness->covers(g)) {
        ++rejected_["not in the fitness table"];
        continue;
      }
      if (!taken.insert(g).second) {
        ++rejected_["duplicate"];
        continue;
      }
      since_accept = 0;
      pending.push_back({{draw, g, 0}, rejected_});
      unscored += !cache.count(g);
      if (unscored == std::size_t(ctx.comm.size()) && !flush()) return interrupted();
    }
    if (!flush()) return interrupted();
    if (scored.empty())
      throw std::runtime_error("random search found no genotype that meets every constraint");
    std::stable_sort(scored.begin(), scored.end(),
                     [](const Scored& a, const Scored& b) { return a.fitness > b.fitness; });
    for (const auto& c : scored) out.ranked.push_back(c.g);
    out.seconds = seconds_since(t0);
    out.summary = {{"candidates", scored.size()},
                   {"draws", draws_},
                   {"rejected", rejected_},
                   {"best_fitness", scored.front().fitness}};
    return out;
  }

  bool spreads_evaluations() const override { return true; }
  json save_state() const override { return {{"draws", draws_}, {"rejected", rejected_}}; }
  void load_state(const json& state) override {
    draws_ = state.at("draws").get<std::int64_t>();
    rejected_ = state.at("rejected").get<std::map<std::string, std::int64_t>>();
  }

 private:
  const RandomOptions& opt_;
  std::int64_t draws_ = 0;
  std::map<std::string, std::int64_t> rejected_;
};

}  // namespace

void register_random_strategy(StrategyRegistry& r) {
  r.add("random", [](const RunSetup& s) { return std::make_unique<RandomSearch>(s); });
}

}  // namespace hwnas
