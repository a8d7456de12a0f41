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
#include "hwnas/cost/cost_model.h"

namespace hwnas {

struct DataConfig {
  /// One of fashion-mnist, mnist, cifar10, cifar100, folder, npy, synthetic.
  std::string dataset = "fashion-mnist";
  /// Folder of the data files. Default: where Debian's dataset package puts
  /// them (fashion-mnist: /usr/share/datasets/fashion-mnist); required for
  /// cifar*, folder and npy.
  std::string path;
  /// Use at most this many training images (0: all). Default: 0.
  std::int64_t train_limit = 0;
  /// Training images of the final training (a search's retrain stage, `hwnas
  /// train`): -1 means train_limit, 0 all. Default: -1.
  std::int64_t retrain_limit = -1;
  /// Fraction of the training images held out for validation (search). Default: 0.2.
  double val_fraction = 0.2;
  /// Evaluate on at most this many test images (0: all). Default: 0.
  std::int64_t test_limit = 0;
  /// Training augmentation: random crop after zero-padding by `crop_pad`
  /// pixels, horizontal flip, cutout of a `cutout`-pixel square.
  /// Defaults: CIFAR 4 / true / 0; others 0 / false / 0.
  int crop_pad = 0;
  bool flip = false;
  int cutout = 0;

  static DataConfig read(Fields& f);
  json to_json() const;
  /// This config with train_limit = retrain_limit (when set).
  DataConfig for_retrain() const;
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

  static TrainConfig read(Fields& f);
  json to_json() const;
};

/// A named component whose options its registry reads (`type` + options).
struct ComponentSpec {
  std::string name;  ///< key in cost_models, or "strategy"
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
  TrainConfig train;
  std::optional<TrainConfig> retrain;

  /// What `hwnas train` uses: `retrain` when given (the searched child's
  /// schedule), else `train`.
  const TrainConfig& final_training() const { return retrain ? *retrain : train; }

  /// The resolved config (defaults filled in) as written to a run directory.
  json to_json() const;
};

RunConfig read_run_config(std::shared_ptr<const Document> doc);
RunConfig load_run_config(const std::string& path);

}  // namespace hwnas
