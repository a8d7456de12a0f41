#include "hwnas/setup/run_setup.h"

#include <filesystem>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/text.h"
#include "hwnas/cost/ir_counts.h"
#include "hwnas/cost/lut_model.h"

namespace hwnas {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> metric_list(const MetricSet& ms) {
  std::vector<std::string> out;
  for (int m = 0; m < kNumMetrics; ++m)
    if (ms.test(m)) out.push_back(metric_names()[m]);
  return out;
}

PricedModel price(std::unique_ptr<CostModel> model, const Space& space) {
  PricedModel pm;
  pm.table = std::make_unique<CostTable>(space, *model);
  pm.model = std::move(model);
  return pm;
}

// A constraint must bind to a model that gives its metric and must be
// reachable by at least one arch of the space.
void check_constraint(const RunSetup& s, const Constraint& c) {
  const PricedModel& pm = s.model_for(c);
  const int m = static_cast<int>(c.metric);
  const std::string model_name = c.model.empty() ? "ir" : c.model;
  if (!pm.model->metrics().test(m))
    throw ConfigError(c.place, fmt::format("cost model '{}' ({}) does not give {}; it gives {}",
                                           model_name, pm.model->name(), metric_name(c.metric),
                                           join(metric_list(pm.model->metrics()))));
  if (!pm.table->metrics().test(m)) return;  // non-additive: checked on whole networks
  double lo = pm.table->min_cost()[c.metric], hi = pm.table->max_cost()[c.metric];
  if (c.max && lo > *c.max)
    throw ConfigError(
        c.place, fmt::format("no architecture of space {} meets {}: the smallest "
                             "{} it can have is {}",
                             s.space.name, c.describe(), metric_name(c.metric), format_number(lo)));
  if (c.min && hi < *c.min)
    throw ConfigError(
        c.place, fmt::format("no architecture of space {} meets {}: the largest "
                             "{} it can have is {}",
                             s.space.name, c.describe(), metric_name(c.metric), format_number(hi)));
}

// The loss's model: as named, else the first latency constraint's, else the
// only model that gives latency.
void resolve_loss_model(RunSetup& s, const Value& strategy_node) {
  auto& loss = s.strategy.loss;
  auto gives_latency = [&](const std::string& name) {
    return s.models.at(name).model->metrics().test(static_cast<int>(Metric::LatencyMs));
  };
  if (!loss.model.empty()) {
    if (!s.models.count(loss.model) || loss.model == "ir")
      strategy_node.fail(fmt::format("loss.model '{}' is not a key of cost_models", loss.model));
    if (!gives_latency(loss.model))
      strategy_node.fail(fmt::format("loss.model '{}' does not give latency_ms", loss.model));
    if (!s.models.at(loss.model).table->metrics().test(static_cast<int>(Metric::LatencyMs)))
      strategy_node.fail(fmt::format(
          "loss.model '{}' prices whole networks only (its latency is not a sum over layers), so "
          "the supernet cannot take its expectation; use a lut or lut-calibrated model",
          loss.model));
    return;
  }
  for (const auto& c : s.config.constraints)
    if (c.metric == Metric::LatencyMs) {
      loss.model = c.model;
      return;
    }
  std::vector<std::string> lat;
  for (const auto& [name, pm] : s.models)
    if (name != "ir" && gives_latency(name)) lat.push_back(name);
  if (lat.size() == 1) loss.model = lat[0];
}

}  // namespace

const PricedModel& RunSetup::model_for(const Constraint& c) const {
  return models.at(c.model.empty() ? "ir" : c.model);
}

std::vector<CostBound> RunSetup::bounds() const {
  std::vector<CostBound> out;
  for (const auto& c : config.constraints)
    out.push_back({model_for(c).table.get(), c.metric, c.max, c.min});
  return out;
}

std::string resolve_config_space(const RunConfig& config) {
  const std::string& s = config.space;
  const bool looks_like_path =
      s.find('/') != std::string::npos || fs::path(s).extension() == ".yaml";
  if (looks_like_path && !fs::exists(s) && fs::path(s).is_relative()) {
    fs::path beside = fs::path(config.file).parent_path() / s;
    if (fs::exists(beside)) return beside.string();
  }
  return resolve_space_path(s);
}

RunSetup prepare_run(RunConfig config, const CostModelRegistry& registry) {
  RunSetup s;
  s.config = std::move(config);
  const RunConfig& c = s.config;
  const Document& doc = *c.doc;
  // A search needs both; `hwnas train` reads the same file without them.
  for (const char* key : {"space", "strategy"})
    if (!doc.root.contains(key))
      throw ConfigError(doc.place("", key),
                        "missing required key (a search needs space and strategy)");
  try {
    s.space = load_space(resolve_config_space(c));
  } catch (const InputError& e) {
    throw ConfigError(doc.place("/space", "space"), e.what());
  }
  s.models["ir"] = price(std::make_unique<IrCountsModel>(), s.space);
  for (const auto& spec : c.cost_models) {
    Fields f = spec.node->as_object();
    auto model = registry.make(f.get("type"), f);
    if (auto* lut = dynamic_cast<const LutModel*>(model.get())) {
      // A table of another space would only fail later, on a missing entry.
      const LatencyTable& t = lut->table();
      if (t.space != s.space.name)
        throw ConfigError(spec.node->place(), fmt::format("{}: was measured for space {}, not {}",
                                                          t.file, t.space, s.space.name));
      auto diff = t.device.differences(local_cpu_fingerprint(t.device.threads, t.device.batch));
      if (!diff.empty())
        s.warnings.push_back(fmt::format("cost model '{}': {} was measured on other hardware ({})",
                                         spec.name, t.file, diff));
    }
    try {
      s.models[spec.name] = price(std::move(model), s.space);
    } catch (const InputError& e) {
      throw ConfigError(spec.node->place(), e.what());
    }
  }
  for (const auto& con : c.constraints) check_constraint(s, con);
  if (c.constraints.size() > 1 &&
      best_feasible(frugal_scores(s.bounds()), s.bounds(), 4096, 1).empty())
    throw ConfigError(c.constraints.back().place,
                      fmt::format("no architecture of space {} was found that meets all {} "
                                  "constraints together (each alone can be met)",
                                  s.space.name, c.constraints.size()));
  Fields sf = c.strategy.node->as_object();
  s.strategy = read_supernet_options(sf);
  resolve_loss_model(s, *c.strategy.node);
  if (s.strategy.warmup_epochs < 0) s.strategy.warmup_epochs = c.train.epochs > 1 ? 1 : 0;
  if (s.strategy.warmup_epochs >= c.train.epochs)
    throw ConfigError(c.strategy.node->place(),
                      fmt::format("warmup_epochs ({}) must be less than train.epochs ({}), or no "
                                  "architecture step would run",
                                  s.strategy.warmup_epochs, c.train.epochs));
  return s;
}

}  // namespace hwnas
