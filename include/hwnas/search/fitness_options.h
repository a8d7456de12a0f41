#pragma once
// How a strategy that scores candidates one by one scores them: the
// `fitness:` mapping of the config (default {type: train}). Torch-free; the
// providers themselves are in search/fitness.h.
#include <cstdint>
#include <memory>
#include <string>

#include "hwnas/cost/bench_table.h"
#include "hwnas/search/options_registry.h"

namespace hwnas {

struct FitnessOptions {
  virtual ~FitnessOptions() = default;
  std::string type;  ///< set by the registry
  virtual json to_json() const = 0;
  /// Checks what needs the space (a table's genotypes), failing at `node`
  /// (the `fitness:` mapping) before the run does any work. Default: nothing.
  virtual void resolve(const Space& space, const Value& node) { (void)space, (void)node; }
};

/// `train`: a short training from scratch with the config's `train:`
/// optimizer, schedule and batch, scored by top-1 on the validation split.
struct TrainFitnessOptions : FitnessOptions {
  int epochs = 1;  ///< epochs per candidate. Default: 1.
  std::int64_t images =
      0;  ///< train on at most this many of the split's images (0: all). Default: 0.
  json to_json() const override;
};

/// `table`: the fitness looked up in a benchmark table (cost/bench_table.h),
/// e.g. NAS-Bench-201's test accuracy; `missing: skip` treats a genotype the
/// table lacks as outside the searched space.
struct TableFitnessOptions : FitnessOptions {
  std::string file;    ///< required; resolved: the working folder, then the config's
  std::string column;  ///< required
  std::string genotype_column = "genotype";
  std::string missing = "error";            ///< error | skip. Default: error.
  std::shared_ptr<const BenchTable> table;  ///< read by resolve()
  json to_json() const override;
  void resolve(const Space& space, const Value& node) override;
};

/// `proxy`: a training-free score of the untrained network (zero-cost
/// proxies): `synflow` (Tanaka et al. 2020, as Abdelfattah et al. 2021 use
/// it for NAS) or `entropy` (search/entropy.h, after DeepMAD).
struct ProxyFitnessOptions : FitnessOptions {
  std::string score = "synflow";  ///< synflow | entropy. Default: synflow.
  json to_json() const override;
};

/// `supernet`: weights inherited from a trained supernet of the same space
/// (a `proxyless` or `fbnet` search's run directory, its last checkpoint),
/// BatchNorm statistics re-estimated on a few training batches, scored by
/// top-1 on the validation split.
struct SupernetFitnessOptions : FitnessOptions {
  std::string run;              ///< required: the supernet search's run directory
  int bn_batches = 10;          ///< training batches that re-estimate BN. Default: 10.
  int batch = 128;              ///< their batch size. Default: 128.
  std::int64_t val_images = 0;  ///< score on at most this many validation images (0: all).
  bool shared = false;          ///< set by resolve(): the supernet's `weights: shared`
  json to_json() const override;
  /// Checks that `run` holds a supernet search of a space with the same
  /// networks as `space`, and its checkpoint.
  void resolve(const Space& space, const Value& node) override;
};

using FitnessOptionsRegistry = OptionsRegistry<FitnessOptions>;

/// Every fitness provider hwnas ships: train, table, proxy, supernet.
const FitnessOptionsRegistry& builtin_fitness_options();

}  // namespace hwnas
