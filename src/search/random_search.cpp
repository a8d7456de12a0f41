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
    while (std::int64_t(scored.size()) < opt_.samples) {
      if (stop_requested().load()) {
        ctx.save_state();
        out.interrupted = true;
        return out;
      }
      if (since_accept >= opt_.max_draws_per_sample) {
        spdlog::warn(
            "random search: {} draws in a row gave no new genotype that meets every "
            "constraint; stopping with {} candidates",
            since_accept, scored.size());
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
      Scored cand{draw, g, 0};
      if (auto hit = cache.find(g); hit != cache.end()) {
        cand.fitness = hit->second.fitness;  // scored before an interruption
      } else {
        const auto c0 = Clock::now();
        auto f = ctx.fitness->score(g);
        if (!f) {
          --draws_;  // draw it again on resume
          ctx.save_state();
          out.interrupted = true;
          return out;
        }
        cand.fitness = *f;
        const Arch arch = decode(s.space, g);
        ctx.run.append("candidates.jsonl", {{"genotype", g},
                                            {"fitness", *f},
                                            {"costs", pricing.flat_costs(arch)},
                                            {"seconds", seconds_since(c0)},
                                            {"draw", draw}});
      }
      scored.push_back(cand);
      ctx.run.event({{"event", "candidate"},
                     {"index", scored.size() - 1},
                     {"draw", draw},
                     {"genotype", g},
                     {"fitness", cand.fitness},
                     {"rejected", rejected_}});
      spdlog::info("candidate {}/{} ({}): fitness {:.4f}", scored.size(), opt_.samples,
                   format_genotype(g), cand.fitness);
      ctx.save_state();
    }
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
