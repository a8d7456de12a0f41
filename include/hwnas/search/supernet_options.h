#pragma once
// Options of the supernet strategies (ProxylessNAS, FBNet), read and
// validated from the config's `strategy:` mapping. Torch-free, so that
// `hwnas search --dry-run` checks them without building torch parts.
#include <string>

#include "hwnas/search/strategy_options.h"

namespace hwnas {

/// The hardware term of the search loss.
struct CostLossOptions {
  /// Cost model (a key of cost_models) whose latency enters the loss.
  /// Default: the model of the first latency constraint, else the only model.
  std::string model;
  /// add: CE + lambda * E[LAT] / reference (ProxylessNAS);
  /// mul: CE * (E[LAT] / reference)^beta (ProxylessNAS' multiplicative form);
  /// fbnet: CE * alpha * log(E[LAT] / reference + 1)^beta. Default: add.
  std::string form = "add";
  double lambda = 0.1;  ///< add. Default: 0.1.
  double alpha = 0.2;   ///< fbnet. Default: 0.2.
  double beta = 0.6;    ///< mul, fbnet. Default: 0.6.
  /// Latency the cost is divided by (ms); 0: the space's smallest. Default: 0.
  double reference_ms = 0;

  static CostLossOptions read(Fields& f, const std::string& default_form);
  json to_json() const;
};

struct SupernetOptions : StrategyOptions {
  std::string mode;  ///< proxyless: two | full_v2; fbnet: soft | hard
  /// Weight-only epochs before architecture steps; -1: 1, or 0 when
  /// train.epochs is 1 (set by resolve()). Default: -1.
  int warmup_epochs = -1;
  double arch_lr = 1e-3;             ///< Adam lr of the architecture logits. Default: 1e-3.
  int arch_every = 1;                ///< one architecture step per N weight steps. Default: 1.
  double temperature = 5.0;          ///< fbnet: initial Gumbel-softmax temperature. Default: 5.0.
  double temperature_decay = 0.956;  ///< fbnet: per-epoch factor. Default: 0.956.
  /// Weight of the constraint penalty rho * (r + r^2), r = relative excess of
  /// an expected cost over its bound. Default: 2.0.
  double penalty = 2.0;
  CostLossOptions loss;
  /// separate: every candidate its own weights; shared: a position's MBConv
  /// candidates are slices of one block with the largest kernel and
  /// expansion (Single-Path NAS, OFA). Default: separate.
  std::string weights = "separate";

  json to_json() const override;
  /// Resolves loss.model and warmup_epochs against the run.
  void resolve(const OptionsContext& ctx, const Value& node) override;
  std::vector<std::string> objective_models() const override;
  std::string objective_hint() const override;
};

/// "" when the candidates of `pos` can be slices of one MBConv block (every
/// candidate an MBConv of the same output, stride and act, dense, without
/// squeeze-excite, or `zero`/`skip`), else why not, naming the candidates.
std::string why_not_shareable(const Space& space, const Position& pos);

/// Registers `proxyless` (modes two, full_v2) and `fbnet` (soft, hard).
void register_supernet_options(StrategyOptionsRegistry& r);

}  // namespace hwnas
