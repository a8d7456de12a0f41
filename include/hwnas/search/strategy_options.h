#pragma once
// The torch-free half of a search strategy: its options, read strictly from
// the config's `strategy:` mapping, checked against the rest of the run, and
// written back with every default filled in. The strategy's resumable state
// is a separate thing (search/strategy.h); options never change during a run.
#include <memory>
#include <string>
#include <vector>

#include "hwnas/common/document.h"
#include "hwnas/search/options_registry.h"
#include "hwnas/search/pricing.h"

namespace hwnas {

/// What options may be checked against, once the run is priced.
struct OptionsContext {
  const RunConfig& config;
  const Pricing& pricing;
};

struct StrategyOptions {
  virtual ~StrategyOptions() = default;
  std::string type;  ///< set by the registry
  /// The options with defaults filled in, `type` first.
  virtual json to_json() const = 0;
  /// Checks and fills in what depends on the run (a default cost model, the
  /// epochs); fails at `node` (the `strategy:` mapping). Default: nothing.
  virtual void resolve(const OptionsContext& ctx, const Value& node) { (void)ctx, (void)node; }
  /// Whether the strategy scores candidates with the run's fitness provider.
  virtual bool uses_fitness() const { return false; }
  /// Whether it searches the space's archs (so every bound must be reachable
  /// by one of them); `growth` takes only the input and classes from it.
  virtual bool searches_space() const { return true; }
  /// The cost models its objective pushes on besides the constraints (the
  /// supernet's loss.model), once resolved. Default: none.
  virtual std::vector<std::string> objective_models() const { return {}; }
  /// How a user makes the objective use a cost model, for the warning on a
  /// model nothing uses (", or name it in strategy.loss.model"). Default: "".
  virtual std::string objective_hint() const { return ""; }
};

using StrategyOptionsRegistry = OptionsRegistry<StrategyOptions>;

/// "" when the space holds at least `n` architectures, else why `n`
/// distinct ones can never be drawn (`what`: the option, "samples").
std::string distinct_count_excess(const Space& space, std::int64_t n, const std::string& what);

/// Fails at `node` with distinct_count_excess(), when there is one.
void check_distinct_count(const Space& space, std::int64_t n, const std::string& what,
                          const Value& node);

/// Every strategy hwnas ships: proxyless, fbnet, random.
const StrategyOptionsRegistry& builtin_strategy_options();

}  // namespace hwnas
