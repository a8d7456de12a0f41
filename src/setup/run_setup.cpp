#include "hwnas/setup/run_setup.h"

#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/paths.h"
#include "hwnas/common/text.h"
#include "hwnas/cost/ir_counts.h"
#include "hwnas/data/datasets.h"

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

// A constraint must bind to a model that gives its metric and, when the
// strategy searches the space, be reachable by at least one of its archs.
void check_constraint(const Space& space, const Pricing& pricing, const Constraint& c,
                      bool searched) {
  const PricedModel& pm = pricing.model_for(c);
  const int m = static_cast<int>(c.metric);
  const std::string model_name = c.model.empty() ? "ir" : c.model;
  if (!pm.model->metrics().test(m))
    throw ConfigError(c.place, fmt::format("cost model '{}' ({}) does not give {}; it gives {}",
                                           model_name, pm.model->name(), metric_name(c.metric),
                                           join(metric_list(pm.model->metrics()))));
  if (!searched || !pm.table->metrics().test(m)) return;  // non-additive: whole networks
  double lo = pm.table->min_cost()[c.metric], hi = pm.table->max_cost()[c.metric];
  if (c.max && lo > *c.max)
    throw ConfigError(
        c.place, fmt::format("no architecture of space {} meets {}: the smallest "
                             "{} it can have is {}",
                             space.name, c.describe(), metric_name(c.metric), format_number(lo)));
  if (c.min && hi < *c.min)
    throw ConfigError(
        c.place, fmt::format("no architecture of space {} meets {}: the largest "
                             "{} it can have is {}",
                             space.name, c.describe(), metric_name(c.metric), format_number(hi)));
}

}  // namespace

json RunSetup::resolved_config() const {
  json j = config.to_json();
  // Every file by its absolute path, so the record names what was used and
  // a resume works from any folder.
  if (is_space_path(config.space)) j["space"] = space.file;  // a bare name stays a name
  for (auto& [name, options] : j["cost_models"].items())
    for (const char* key : {"table", "calibration", "accel", "file"})  // the models' file keys
      if (options.contains(key) && options[key].is_string())
        options[key] = resolve_input_path(options[key].get<std::string>(), config.file);
  j["strategy"] = strategy->to_json();
  if (fitness) j["fitness"] = fitness->to_json();
  return j;
}

// A bare name searches the shipped spaces; a path is a file (the working
// folder, then beside the config), and an error names the config's place.
std::string resolve_config_space(const RunConfig& config) {
  const std::string& s = config.space;
  const Document& doc = *config.doc;
  const Value v(doc, doc.root.at("space"), "/space", "space");
  if (is_space_path(s)) return resolve_input_path(v);
  try {
    return resolve_space_path(s);
  } catch (const InputError& e) {
    v.fail(e.message());
  }
}

RunSetup prepare_run(RunConfig config, const SetupRegistries& registries) {
  RunSetup s;
  s.config = std::move(config);
  const RunConfig& c = s.config;
  const Document& doc = *c.doc;
  // A search needs both; `hwnas train` reads the same file without them.
  for (const char* key : {"space", "strategy"})
    if (!doc.root.contains(key))
      throw ConfigError(doc.place("", key),
                        "missing required key (a search needs space and strategy)");
  const std::string space_file = resolve_config_space(c);
  try {
    s.space = load_space(space_file);
  } catch (const InputError& e) {
    throw ConfigError(doc.place("/space", "space"), e.what());
  }
  // The data must exist and fit the space: from headers only, so a dry run
  // catches a wrong path, image size or class count without loading it.
  try {
    if (!c.data.path.empty()) s.config.data.path = resolve_input_path(c.data.path, c.file);
    check_dataset_fits(c.data, s.space.skeleton.input, s.space.skeleton.num_classes);
  } catch (const InputError& e) {
    throw ConfigError(doc.place(c.data.path.empty() ? "/data" : "/data/path", "data"), e.what());
  }
  s.models["ir"] = price(std::make_unique<IrCountsModel>(), s.space);
  for (const auto& spec : c.cost_models) {
    Fields f = spec.node->as_object();
    auto model = registries.costs.make(f.get("type"), f, &s.space);
    if (auto from = model->provenance()) {
      // A table of another space would only fail later, on a missing entry.
      if (from->space != s.space.name)
        throw ConfigError(spec.node->place(), fmt::format("{}: was measured for space {}, not {}",
                                                          from->file, from->space, s.space.name));
      if (!from->hardware_differences.empty())
        s.warnings.push_back(fmt::format("cost model '{}': {} was measured on other hardware ({})",
                                         spec.name, from->file, from->hardware_differences));
    }
    try {
      s.models[spec.name] = price(std::move(model), s.space);
    } catch (const InputError& e) {
      throw ConfigError(spec.node->place(), e.what());
    }
  }
  const Pricing pricing = s.pricing();
  s.strategy = registries.strategies.read(*c.strategy.node);
  const bool searched = s.strategy->searches_space();
  for (const auto& con : c.constraints) check_constraint(s.space, pricing, con, searched);
  if (searched && c.constraints.size() > 1 &&
      best_feasible(frugal_scores(pricing.bounds()), pricing.bounds(), 4096, 1).empty())
    throw ConfigError(c.constraints.back().place,
                      fmt::format("no architecture of space {} was found that meets all {} "
                                  "constraints together (each alone can be met)",
                                  s.space.name, c.constraints.size()));
  s.strategy->resolve({c, pricing}, *c.strategy.node);
  // A cost model nothing uses is priced for nothing: the search would ignore
  // the hardware it describes without a word.
  std::set<std::string> used;
  for (const auto& m : s.strategy->objective_models()) used.insert(m);
  for (const auto& con : c.constraints) used.insert(con.model);
  for (const auto& spec : c.cost_models)
    if (!used.count(spec.name))
      s.warnings.push_back(fmt::format(
          "cost model '{}' is priced but neither a constraint nor strategy {}'s objective uses "
          "it, so the search ignores it; add a constraint on it{}",
          spec.name, s.strategy->type, s.strategy->objective_hint()));
  if (s.strategy->uses_fitness()) {
    if (c.fitness.node) {
      s.fitness = registries.fitness.read(*c.fitness.node);
      s.fitness->resolve(s.space, *c.fitness.node);
    } else {
      const Document d = parse_yaml("{type: train}", c.file);
      s.fitness = registries.fitness.read(Value(d, d.root, "/fitness", "fitness"));
    }
  } else if (c.fitness.node) {
    throw ConfigError(c.fitness.node->place(),
                      fmt::format("strategy {} scores no candidates one by one, so it takes no "
                                  "fitness provider; remove this key",
                                  s.strategy->type));
  }
  return s;
}

}  // namespace hwnas
