#include "hwnas/profile/measured_model.h"

#include <torch/torch.h>

#include "hwnas/common/error.h"
#include "hwnas/cost/latency_table.h"
#include "hwnas/ir/arch_json.h"
#include "hwnas/nn/network.h"
#include "hwnas/profile/profiler.h"

namespace hwnas {

MeasuredModel::MeasuredModel(ProtocolOptions opt, int batch) : opt_(opt), batch_(batch) {}

std::size_t MeasuredModel::cached() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cache_.size();
}

Cost MeasuredModel::layer(const LayerContext& ctx) const {
  Cost c;
  if (is_free_at_inference(ctx.layer, ctx.in)) {
    c[Metric::LatencyMs] = 0;
    return c;
  }
  const std::string key = "layer:" + lut_key(ctx.layer, ctx.in);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) return c[Metric::LatencyMs] = it->second, c;
  }
  Samples samples;
  auto r = measure_interleaved({layer_run(ctx.layer, ctx.in, batch_)}, opt_, samples, 0,
                               [](int, const Samples&) { return true; });
  std::lock_guard<std::mutex> lock(mu_);
  cache_[key] = r[0].value_ms;
  c[Metric::LatencyMs] = r[0].value_ms;
  return c;
}

Cost MeasuredModel::network(const Arch& arch) const {
  Arch a = arch;
  a.name.clear(), a.space.clear(), a.genotype.clear();  // provenance does not change latency
  const std::string key = "net:" + arch_to_json(a).dump();
  Cost c;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) return c[Metric::LatencyMs] = it->second, c;
  }
  auto r = measure_networks(network_runs({arch}, batch_), opt_);
  HWNAS_ASSERT(!r.empty(), "measurement stopped");
  std::lock_guard<std::mutex> lock(mu_);
  cache_[key] = r[0].value_ms;
  c[Metric::LatencyMs] = r[0].value_ms;
  return c;
}

void register_torch_cost_models(CostModelRegistry& r) {
  r.add("measured", "latency timed on this machine (rounds, reps, batch)", [](Fields& f) {
    ProtocolOptions o;
    o.rounds = int(f.get_int("rounds", 1, 1000, 3));
    o.reps = int(f.get_int("reps", 1, 100000, 10));
    o.extra_rounds = 0;
    int batch = int(f.get_int("batch", 1, 4096, 1));
    return std::make_unique<MeasuredModel>(o, batch);
  });
}

}  // namespace hwnas
