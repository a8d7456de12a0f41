#include "hwnas/cost/registry.h"

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/paths.h"
#include "hwnas/common/text.h"
#include "hwnas/cost/flops_model.h"
#include "hwnas/cost/lut_model.h"

namespace hwnas {

void CostModelRegistry::add(const std::string& type, std::string description, Factory factory) {
  HWNAS_ASSERT(!entries_.count(type), "cost model registered twice: " + type);
  entries_[type] = {std::move(description), std::move(factory)};
}

std::vector<std::string> CostModelRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& [k, _] : entries_) out.push_back(k);
  return out;
}

const std::string& CostModelRegistry::description(const std::string& type) const {
  return entries_.at(type).description;
}

std::unique_ptr<CostModel> CostModelRegistry::make(const Value& type, Fields& options) const {
  auto t = type.as_string();
  auto it = entries_.find(t);
  if (it == entries_.end())
    type.fail(fmt::format("unknown cost model type '{}'{}; this build has: {}", t,
                          did_you_mean(t, types()), join(types())));
  auto model = it->second.factory(options);
  options.finish();
  return model;
}

void register_builtin_cost_models(CostModelRegistry& r) {
  r.add("flops", "latency proportional to MACs (gmacs_per_s, overhead_ms)",
        [](Fields& f) { return std::make_unique<FlopsModel>(FlopsModelOptions::read(f)); });
}

}  // namespace hwnas
