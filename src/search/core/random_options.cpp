#include "hwnas/search/random_options.h"

#include <fmt/format.h>

#include "hwnas/space/genotype.h"

namespace hwnas {

json RandomOptions::to_json() const {
  return {{"type", type}, {"samples", samples}, {"max_draws_per_sample", max_draws_per_sample}};
}

void RandomOptions::resolve(const OptionsContext& ctx, const Value& node) {
  // A space smaller than N could never give N distinct candidates.
  check_distinct_count(ctx.pricing.space(), samples, "samples", node);
}

void register_random_options(StrategyOptionsRegistry& r) {
  r.add("random",
        "random search: N constraint-meeting genotypes, each scored by the fitness "
        "provider; the baseline every method must beat",
        [](Fields& f) {
          auto o = std::make_unique<RandomOptions>();
          o->samples = f.get_int("samples", 1, 1'000'000, o->samples);
          o->max_draws_per_sample =
              f.get_int("max_draws_per_sample", 1, 1'000'000'000, o->max_draws_per_sample);
          f.finish();
          return o;
        });
}

}  // namespace hwnas
