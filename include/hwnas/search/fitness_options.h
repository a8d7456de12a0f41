#pragma once
// How a strategy that scores candidates one by one scores them: the
// `fitness:` mapping of the config (default {type: train}). Torch-free; the
// providers themselves are in search/fitness.h.
#include <cstdint>
#include <string>

#include "hwnas/search/options_registry.h"

namespace hwnas {

struct FitnessOptions {
  virtual ~FitnessOptions() = default;
  std::string type;  ///< set by the registry
  virtual json to_json() const = 0;
};

/// `train`: a short training from scratch with the config's `train:`
/// optimizer, schedule and batch, scored by top-1 on the validation split.
struct TrainFitnessOptions : FitnessOptions {
  int epochs = 1;  ///< epochs per candidate. Default: 1.
  std::int64_t images =
      0;  ///< train on at most this many of the split's images (0: all). Default: 0.
  json to_json() const override;
};

using FitnessOptionsRegistry = OptionsRegistry<FitnessOptions>;

/// Every fitness provider hwnas ships: train.
const FitnessOptionsRegistry& builtin_fitness_options();

}  // namespace hwnas
