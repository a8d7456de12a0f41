#pragma once
// Random search, the baseline every NAS method must beat: N genotypes drawn
// uniformly among those that meet every constraint, each scored by the run's
// fitness provider; the best is picked.
#include "hwnas/search/strategy_options.h"

namespace hwnas {

struct RandomOptions : StrategyOptions {
  std::int64_t samples = 20;  ///< N, candidates scored. Default: 20.
  /// Draws allowed per candidate before giving up (rejections and
  /// duplicates count). Default: 1000.
  std::int64_t max_draws_per_sample = 1000;
  json to_json() const override;
  void resolve(const OptionsContext& ctx, const Value& node) override;
  bool uses_fitness() const override { return true; }
};

void register_random_options(StrategyOptionsRegistry& r);

}  // namespace hwnas
