#include "hwnas/search/evolution.h"

#include <algorithm>
#include <deque>
#include <set>

#include <fmt/format.h>

#include "hwnas/common/error.h"

namespace hwnas {

namespace {

constexpr double kMinAcceptance = 1e-4;

// Draws candidates, refusing duplicates and what the caller refuses, and
// scores the accepted ones in order.
class Engine {
 public:
  Engine(const Space& space, const EvolutionSettings& s, std::uint64_t seed,
         const EvolutionHooks& hooks)
      : space_(space), s_(s), hooks_(hooks), rng_(seeded_rng(seed, 0, 0xE7)) {
    mutation_ = s.mutation_prob > 0
                    ? s.mutation_prob
                    : 1.0 / double(std::max<std::size_t>(1, space.positions.size()));
  }

  EvolutionResult run() {
    if (s_.selection == "aging")
      aging();
    else
      generational(s_.selection == "nsga2");
    return std::move(out_);
  }

 private:
  // Candidates accepted count at once: their scores come at the next flush().
  bool budget_left() const { return scheduled() < s_.evaluations; }
  std::int64_t scheduled() const { return std::int64_t(out_.history.size() + pending_.size()); }

  // True when `g` was accepted (not seen, not refused); counts the draw.
  bool accept(const Genotype& g, bool offspring) {
    ++out_.draws;
    std::string why;
    if (seen_.count(g))
      why = "duplicate";
    else
      why = hooks_.reject ? hooks_.reject(g, offspring) : "";
    if (why.empty()) {
      ++accepted_;
      return true;
    }
    ++out_.rejected[why];
    if (out_.draws >= s_.min_draws && double(accepted_) < kMinAcceptance * double(out_.draws)) {
      std::string reasons;
      for (const auto& [r, n] : out_.rejected)
        reasons += fmt::format("{}{} x {}", reasons.empty() ? "" : "; ", n, r);
      throw InputError(
          "strategy",
          fmt::format("only {} of {} drawn candidates ({:.2g}) were accepted, under 1 "
                      "in 10,000; refused: {}. Relax these thresholds or constraints",
                      accepted_, out_.draws, double(accepted_) / double(out_.draws), reasons));
    }
    return false;
  }

  // Queues an accepted genotype for the next flush().
  void score(const Genotype& g, int generation, std::vector<std::int64_t> parents) {
    Individual c;
    c.genotype = g;
    c.generation = generation;
    c.index = scheduled();
    c.parents = std::move(parents);
    seen_.insert(g);
    pending_.push_back(std::move(c));
  }

  // Scores what is queued, in order, into the history; false when stopped.
  bool flush() {
    bool ok = true;
    if (hooks_.evaluate_batch && !pending_.empty()) {
      ok = hooks_.evaluate_batch(pending_);
      if (ok)
        for (auto& c : pending_) out_.history.push_back(std::move(c));
    } else {
      for (auto& c : pending_) {
        if (!(ok = hooks_.evaluate(c))) break;
        out_.history.push_back(std::move(c));
      }
    }
    pending_.clear();
    out_.interrupted = out_.interrupted || !ok;
    return ok;
  }

  // A uniformly sampled accepted genotype (the first population: early exit applies).
  void sampled(int generation) {
    Genotype g;
    do g = sample(space_, rng_);
    while (!accept(g, false));
    score(g, generation, {});
  }

  // A child of `a` (and `b` when crossing over); falls back to a sampled
  // genotype when variation keeps giving refused ones.
  void offspring(const Individual& a, const Individual* b, int generation) {
    for (int attempt = 0; attempt < 1000; ++attempt) {
      Genotype g = a.genotype;
      std::vector<std::int64_t> parents = {a.index};
      if (b && std::uniform_real_distribution<double>(0, 1)(rng_) < s_.crossover_prob) {
        g = crossover(a.genotype, b->genotype, rng_);
        parents.push_back(b->index);
      }
      g = mutate(space_, g, mutation_, rng_);
      if (accept(g, true)) {
        score(g, generation, std::move(parents));
        return;
      }
    }
    sampled(generation);
  }

  bool first_population() {
    while (scheduled() < s_.population && budget_left()) sampled(0);
    if (!flush()) return false;
    out_.population = out_.history;
    if (hooks_.on_generation) hooks_.on_generation(0, out_.population, out_.history);
    return true;
  }

  // S distinct members drawn uniformly; the index of the best by `better`.
  template <class Better>
  std::size_t tournament(std::size_t n, int size, Better better) {
    std::vector<std::size_t> idx(n);
    for (std::size_t i = 0; i < n; ++i) idx[i] = i;
    std::shuffle(idx.begin(), idx.end(), rng_);
    std::size_t best = idx[0];
    for (int k = 1; k < std::min<int>(size, int(n)); ++k)
      if (better(idx[std::size_t(k)], best)) best = idx[std::size_t(k)];
    return best;
  }

  // NSGA-II (binary crowded tournaments, elitist survival by fronts and
  // crowding) or, on the first objective alone, tournament selection with
  // elitist survival of the best.
  void generational(bool nsga2) {
    if (!first_population()) return;
    for (int gen = 1; budget_left(); ++gen) {
      std::vector<Individual>& pop = out_.population;
      std::vector<Objectives> objs;
      for (const auto& c : pop) objs.push_back(c.objectives);
      const Ranking ranking = rank_points(objs);
      auto better = [&](std::size_t x, std::size_t y) {
        return nsga2 ? crowded_better(ranking, x, y) : pop[x].objectives[0] < pop[y].objectives[0];
      };
      const int size = nsga2 ? 2 : s_.tournament_size;
      const std::size_t first_child = out_.history.size();
      while (scheduled() - std::int64_t(first_child) < s_.population && budget_left()) {
        const std::size_t a = tournament(pop.size(), size, better);
        const std::size_t b = tournament(pop.size(), size, better);
        offspring(pop[a], &pop[b], gen);
      }
      if (!flush()) return;
      std::vector<Individual> pool = pop;
      pool.insert(pool.end(), out_.history.begin() + long(first_child), out_.history.end());
      std::vector<std::size_t> keep;
      if (nsga2) {
        std::vector<Objectives> all;
        for (const auto& c : pool) all.push_back(c.objectives);
        keep = nsga2_survivors(all, std::size_t(s_.population));
      } else {
        keep.resize(pool.size());
        for (std::size_t i = 0; i < pool.size(); ++i) keep[i] = i;
        std::stable_sort(keep.begin(), keep.end(), [&](std::size_t x, std::size_t y) {
          return pool[x].objectives[0] < pool[y].objectives[0];
        });
        keep.resize(std::min(keep.size(), std::size_t(s_.population)));
      }
      std::vector<Individual> next;
      for (std::size_t i : keep) next.push_back(pool[i]);
      pop = std::move(next);
      if (hooks_.on_generation) hooks_.on_generation(gen, pop, out_.history);
    }
  }

  // Aging evolution: a tournament of S from the population, the winner (on
  // the first objective) mutated, the child in and the oldest member out.
  void aging() {
    if (!first_population()) return;
    std::deque<Individual> pop(out_.population.begin(), out_.population.end());
    std::int64_t since = 0;
    int gen = 0;
    while (budget_left()) {
      const std::size_t w =
          tournament(pop.size(), s_.tournament_size, [&](std::size_t x, std::size_t y) {
            return pop[x].objectives[0] < pop[y].objectives[0];
          });
      offspring(pop[w], nullptr, gen + 1);
      if (!flush()) break;
      pop.push_back(out_.history.back());
      pop.pop_front();
      if (++since == s_.population || !budget_left()) {
        since = 0;
        ++gen;
        out_.population.assign(pop.begin(), pop.end());
        if (hooks_.on_generation) hooks_.on_generation(gen, out_.population, out_.history);
      }
    }
    out_.population.assign(pop.begin(), pop.end());
  }

  const Space& space_;
  const EvolutionSettings& s_;
  const EvolutionHooks& hooks_;
  Rng rng_;
  double mutation_ = 0;
  std::set<Genotype> seen_;
  std::vector<Individual> pending_;
  std::int64_t accepted_ = 0;
  EvolutionResult out_;
};

}  // namespace

EvolutionResult run_evolution(const Space& space, const EvolutionSettings& settings,
                              std::uint64_t seed, const EvolutionHooks& hooks) {
  HWNAS_ASSERT(hooks.evaluate || hooks.evaluate_batch, "run_evolution(): no evaluate hook");
  HWNAS_ASSERT(settings.population >= 2, "run_evolution(): population < 2");
  return Engine(space, settings, seed, hooks).run();
}

std::vector<Individual> pareto_front(const std::vector<Individual>& candidates) {
  std::vector<Objectives> objs;
  for (const auto& c : candidates) objs.push_back(c.objectives);
  std::vector<Individual> front;
  if (objs.empty()) return front;
  const auto fronts = non_dominated_fronts(objs);  // kept: the loop reads its first element
  for (std::size_t i : fronts[0]) front.push_back(candidates[i]);
  return front;
}

}  // namespace hwnas
