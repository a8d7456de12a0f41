#include "hwnas/cost/registry.h"

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/paths.h"
#include "hwnas/common/text.h"
#include "hwnas/cost/bench_table.h"
#include "hwnas/cost/flops_model.h"
#include "hwnas/cost/lut_model.h"

namespace hwnas {

void CostModelRegistry::add(const std::string& type, std::string description, Factory factory) {
  HWNAS_ASSERT(!entries_.count(type), "cost model registered twice: " + type);
  entries_[type] = {std::move(description), std::move(factory), {}};
}

void CostModelRegistry::add_space_aware(const std::string& type, std::string description,
                                        SpaceFactory factory) {
  HWNAS_ASSERT(!entries_.count(type), "cost model registered twice: " + type);
  entries_[type] = {std::move(description), nullptr, std::move(factory)};
}

std::vector<std::string> CostModelRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& [k, _] : entries_) out.push_back(k);
  return out;
}

const std::string& CostModelRegistry::description(const std::string& type) const {
  return entries_.at(type).description;
}

std::unique_ptr<CostModel> CostModelRegistry::make(const Value& type, Fields& options,
                                                   const Space* space) const {
  auto t = type.as_string();
  auto it = entries_.find(t);
  if (it == entries_.end())
    type.fail(fmt::format("unknown cost model type '{}'{}; this build has: {}", t,
                          did_you_mean(t, types()), join(types())));
  std::unique_ptr<CostModel> model;
  try {
    if (it->second.space_factory) {
      if (!space) type.fail("cost model type '" + t + "' needs the run's search space");
      model = it->second.space_factory(options, *space);
    } else {
      model = it->second.factory(options);
    }
  } catch (const InputError& e) {
    // A file the model reads (a table, a design) may fail on its own terms;
    // say which config entry named it. Errors in the config itself already do.
    if (e.place().rfind(options.file(), 0) == 0) throw;
    throw InputError(options.place(), e.what());
  }
  options.finish();
  return model;
}

std::string default_calibration_path(const std::string& table) {
  const std::string ext = ".json";
  const bool has_ext =
      table.size() > ext.size() && table.compare(table.size() - ext.size(), ext.size(), ext) == 0;
  return (has_ext ? table.substr(0, table.size() - ext.size()) : table) + ".calib.json";
}

void register_builtin_cost_models(CostModelRegistry& r) {
  r.add("flops", "latency proportional to MACs (gmacs_per_s, overhead_ms)",
        [](Fields& f) { return std::make_unique<FlopsModel>(FlopsModelOptions::read(f)); });
  auto table_of = [](Fields& f) {
    auto path = resolve_input_path(f.get("table"));
    return std::make_shared<const LatencyTable>(load_latency_table(path));
  };
  r.add("lut", "sum of a latency table's per-layer statistic (table)",
        [table_of](Fields& f) { return std::make_unique<LutModel>(table_of(f)); });
  r.add("lut-calibrated",
        "latency table corrected by whole-network measurements (table, calibration)",
        [table_of](Fields& f) {
          auto table = table_of(f);
          auto calib_path = f.has("calibration") ? resolve_input_path(f.get("calibration"))
                                                 : default_calibration_path(table->file);
          return std::make_unique<LutModel>(table, LutCalibration::read(load_document(calib_path)),
                                            true);
        });
  r.add_space_aware(
      "table",
      "a whole-network metric from a benchmark table (file, column, metric, genotype_column)",
      [](Fields& f, const Space& space) {
        const std::string file = resolve_input_path(f.get("file"));
        const std::string column = f.get_string("column");
        const std::string metric =
            f.get_choice("metric", {"latency_ms", "energy_mj", "area_mm2"}, "latency_ms");
        const std::string key = f.get_string("genotype_column", "genotype");
        const bool infinite = f.get_choice("missing", {"error", "infinite"}, "error") == "infinite";
        Metric m = Metric::LatencyMs;
        for (std::size_t i = 0; i < metric_names().size(); ++i)
          if (metric_names()[i] == metric) m = static_cast<Metric>(i);
        return std::make_unique<TableCostModel>(space, read_bench_table(file, space, column, key),
                                                m, infinite);
      });
}

}  // namespace hwnas
