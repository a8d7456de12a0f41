#pragma once
// Fitness providers: how a strategy that scores candidates one by one (random
// search, evolution) scores them. Registered by type like the strategies
// (`fitness: {type: train, ...}`, options in search/fitness_options.h).
#include <functional>
#include <map>
#include <optional>

#include "hwnas/common/run_dir.h"

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
  /// False when the provider cannot score `g` and it is to be treated as
  /// outside the searched space (a table with `missing: skip`). Default: true.
  virtual bool covers(const Genotype& g) const {
    (void)g;
    return true;
  }
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
void register_table_fitness(FitnessRegistry& r);
void register_proxy_fitness(FitnessRegistry& r);
void register_supernet_fitness(FitnessRegistry& r);

/// SynFlow (Tanaka et al. 2020) of `arch` untrained: with weights drawn from
/// `seed` and replaced by their absolute values, BN in eval mode, in double
/// precision, R = sum of the logits for an all-ones input; the score is
/// log(sum over the conv and linear weights of |theta * dR/dtheta|) (biases
/// and BN affine terms left out, as Abdelfattah et al. do), kNoPathScore when that
/// sum is 0 (no path from input to output).
double synflow_score(const Arch& arch, std::uint64_t seed);

/// Scores `gs` with `fitness`, spread over the ranks of `comm`: genotype i
/// on rank i % size, each rank scoring its own with its provider (which must
/// run on one process). `scored(i, fitness, seconds)` is called on every rank
/// for every genotype, in order of i (one process: as soon as it is scored).
/// Returns false when stopped (a signal on any rank, or a provider that
/// returned nothing); with several ranks, nothing of that batch is reported.
/// Throws when the ranks' batches differ (they drew differently).
bool score_spread(FitnessProvider& fitness, Communicator& comm, const std::vector<Genotype>& gs,
                  const std::function<void(std::size_t i, double fitness, double seconds)>& scored);

/// candidates.jsonl of a run as written so far: genotype -> its record.
/// Throws InputError naming the line of a record that does not parse.
std::map<Genotype, json> read_candidate_records(const RunDir& run);

}  // namespace hwnas
