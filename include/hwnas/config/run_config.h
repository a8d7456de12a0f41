#pragma once
// The run config YAML (DESIGN.md) as typed structs, validated on load.
// A search requires `space` and `strategy` (checked by setup/); `hwnas train`
// reads the same file without them. Everything else has a documented default. Components with their
// own options (cost models, the strategy) keep their YAML node here and are validated by their
// registries when the run is set up (setup/), still before any work starts.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hwnas/common/document.h"
#include "hwnas/cost/metric.h"
#include "hwnas/data/data_options.h"

namespace hwnas {

/// The data section: data's own options plus the YAML reading and writing.
struct DataConfig : DataOptions {
  static DataConfig read(Fields& f);
  json to_json() const;
};

struct OptimizerConfig {
  std::string type = "sgd";    ///< sgd | adam | adamw
  double lr = 0.05;            ///< Default: 0.05.
  double momentum = 0.9;       ///< sgd only. Default: 0.9.
  bool nesterov = true;        ///< sgd only. Default: true.
  double weight_decay = 4e-5;  ///< never applied to BN and biases. Default: 4e-5.

  static OptimizerConfig read(Fields& f);
  json to_json() const;
};

struct ScheduleConfig {
  std::string type = "cosine";  ///< cosine | step | constant
  double warmup_epochs = 0;     ///< linear warm-up. Default: 0.
  std::vector<int> milestones;  ///< step: epochs at which lr *= gamma.
  double gamma = 0.1;           ///< step: Default: 0.1.
  double min_lr = 0;            ///< cosine floor. Default: 0.

  static ScheduleConfig read(Fields& f);
  json to_json() const;
};

struct TrainConfig {
  int epochs = 1;  ///< Default: 1.
  int batch = 64;  ///< Default: 64.
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  double label_smoothing = 0;          ///< Default: 0.
  double grad_clip = 0;                ///< max gradient norm, 0: off. Default: 0.
  std::string channels_last = "auto";  ///< auto | on | off. Default: auto (on: ~2x on CPU here).
  /// Mixed precision on CUDA: off | bf16 (autocast; fp16 would need a
  /// gradient scaler, which libtorch's C++ API lacks). Ignored on CPU. Default: off.
  std::string amp = "off";
  /// Several ranks: BatchNorm normalises with the statistics of the global
  /// batch (all-reduced) instead of each rank's own. Default: false.
  bool sync_bn = false;

  static TrainConfig read(Fields& f);
  json to_json() const;
};

/// A named component whose options its registry reads (`type` + options).
struct ComponentSpec {
  std::string name;  ///< key in cost_models, "strategy" or "fitness"
  std::string type;
  json options;               ///< the mapping as written, `type` included
  std::optional<Value> node;  ///< where it was written (for errors)
};

struct Constraint {
  std::string model;  ///< cost model name; empty: IR counts (macs, params)
  Metric metric = Metric::Params;
  std::optional<double> max, min;
  std::string place;  ///< file:line:col of the entry

  /// "lat.latency_ms <= 2.5"
  std::string describe() const;
  bool satisfied_by(double value) const;
};

struct RunConfig {
  std::shared_ptr<const Document> doc;  ///< keeps `node`s valid
  std::string file;
  std::string name;          ///< Default: the config file's stem.
  std::uint64_t seed = 0;    ///< Default: 0.
  int threads = 0;           ///< Default: all cores.
  std::string out = "runs";  ///< run directories go to <out>/<name>. Default: runs.
  std::string space;         ///< Required: a space name or a path.
  DataConfig data;
  std::vector<ComponentSpec> cost_models;
  std::vector<Constraint> constraints;
  ComponentSpec strategy;  ///< Required.
  /// How strategies that score candidates score them. Default: {type: train}.
  ComponentSpec fitness;
  TrainConfig train;
  std::optional<TrainConfig> retrain;
  /// retrain.from: scratch | supernet (a fine-tune from the supernet's
  /// weights of the child; supernet strategies only). Default: scratch.
  std::string retrain_from = "scratch";

  /// What `hwnas train` uses: `retrain` when given (the searched child's
  /// schedule), else `train`.
  const TrainConfig& final_training() const { return retrain ? *retrain : train; }

  /// The resolved config (defaults filled in) as written to a run directory.
  json to_json() const;
};

RunConfig read_run_config(std::shared_ptr<const Document> doc);
RunConfig load_run_config(const std::string& path);

}  // namespace hwnas
