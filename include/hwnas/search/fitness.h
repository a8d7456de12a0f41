#pragma once
// Fitness providers: how a strategy that scores candidates one by one (random
// search, evolution) scores them. Registered by type like the strategies
// (`fitness: {type: train, ...}`, options in search/fitness_options.h).
#include <optional>

#include "hwnas/data/datasets.h"
#include "hwnas/search/factory_registry.h"
#include "hwnas/setup/run_setup.h"
#include "hwnas/train/communicator.h"

namespace hwnas {

class FitnessProvider {
 public:
  virtual ~FitnessProvider() = default;
  /// The fitness of `g` (higher is better; `train`: validation top-1), or
  /// nothing when interrupted. Depends only on the genotype and the run's
  /// seed, so a resumed run scores as the uninterrupted one did.
  virtual std::optional<double> score(const Genotype& g) = 0;
};

struct FitnessContext {
  const RunSetup& setup;
  const Datasets& data;
  torch::Device device = torch::kCPU;
  Communicator& comm;
};

using FitnessRegistry = FactoryRegistry<FitnessProvider, FitnessContext>;

/// Every provider hwnas ships (one per builtin_fitness_options() type).
const FitnessRegistry& builtin_fitness();

void register_train_fitness(FitnessRegistry& r);

}  // namespace hwnas
