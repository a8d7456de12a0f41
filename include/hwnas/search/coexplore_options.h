#pragma once
// Strategy `coexplore` (NASAIC, Yang et al. 2020): the networks of several
// tasks searched together with a heterogeneous accelerator drawn from a
// design space (accel/design_space.h), under latency, energy and area specs.
// Its options, read strictly and checked up front. Torch-free.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/accel/design_space.h"
#include "hwnas/search/evolution.h"
#include "hwnas/search/fitness_options.h"
#include "hwnas/search/strategy_options.h"

namespace hwnas {

struct CoexploreTask {
  std::string name;
  std::string space_name;  ///< as written ("" in the config: the run's space)
  std::shared_ptr<const Space> space;
  std::optional<Value> fitness_node;  ///< the task's `fitness:` mapping (the config keeps it alive)
  std::shared_ptr<FitnessOptions> fitness;  ///< read and resolved against `space`
  double weight = 1;
  std::optional<double> macs;  ///< the successive baseline's MACs budget for this task
};

/// Specs on the whole chip (accel/accel_model.h's DesignCost).
struct CoexploreSpecs {
  std::optional<double> latency_ms, energy_mj, area_mm2;
};

struct CoexploreOptions : StrategyOptions {
  std::vector<CoexploreTask> tasks;
  std::string accelerator;  ///< the design-space file
  std::shared_ptr<const accel::DesignSpace> design_space;
  CoexploreSpecs specs;
  std::string controller = "reinforce";  ///< reinforce | random | evolution. Default: reinforce.
  std::int64_t samples = 200;     ///< joint samples drawn in all (evolution: its evaluations)
  int batch = 10;                 ///< reinforce: samples per controller update. Default: 10.
  int population = 20;            ///< evolution: population. Default: 20.
  double violation_reward = 0;    ///< reward of a sample over a spec, before the penalty
  double penalty = 1;             ///< minus penalty x the summed relative excess over the specs
  double lr = 0.0035;             ///< the controller's Adam step. Default: 0.0035.
  double entropy = 0.01;          ///< entropy bonus weight. Default: 0.01.
  double baseline_decay = 0.95;   ///< of the reward's moving average. Default: 0.95.
  std::string baseline = "none";  ///< none | successive. Default: none.

  json to_json() const override;
  bool searches_space() const override { return false; }
  /// Loads the tasks' spaces and fitness options and the design space;
  /// checks that every layer of every task fits some sub-accelerator's
  /// largest buffers and that no spec is below what any design can reach.
  void resolve(const OptionsContext& ctx, const Value& node) override;

  /// The joint genotype: every task's positions, then the design's choices.
  std::vector<int> sizes() const;
  /// The first position of task `t` in the joint genotype (t = tasks: the design's).
  std::size_t offset(std::size_t t) const;
  /// A Space with the joint genotype's positions, for the evolution engine.
  Space joint_space() const;
};

void register_coexplore_options(StrategyOptionsRegistry& r);

}  // namespace hwnas
