#include "hwnas/cost/cost_model.h"

#include "hwnas/common/error.h"
#include "hwnas/cost/ir_counts.h"

namespace hwnas {

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> n = {"latency_ms", "energy_mj", "area_mm2", "macs",
                                             "params"};
  return n;
}
std::string metric_name(Metric m) {
  return metric_names()[static_cast<int>(m)];
}
std::string metric_unit(Metric m) {
  static const char* u[] = {"ms", "mJ", "mm^2", "MACs", "params"};
  return u[static_cast<int>(m)];
}

Cost Cost::zeros(const MetricSet& ms) {
  Cost c;
  for (int i = 0; i < kNumMetrics; ++i)
    if (ms.test(i)) c.v[i] = 0;
  return c;
}

Cost sum_layers(const CostModel& model, const Arch& arch, int batch) {
  const MetricSet add = model.additive() & model.metrics();
  Cost total = Cost::zeros(add);
  Shape s = arch.input;
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    const Layer& l = arch.layers[i];
    Shape out = infer_shape(l, s, "layers[" + std::to_string(i) + "]");
    Cost c = model.layer({l, s, out, batch});
    for (int m = 0; m < kNumMetrics; ++m)
      if (add.test(m)) total.v[m] += c.v[m];
    s = out;
  }
  return total;
}

Cost IrCountsModel::layer(const LayerContext& ctx) const {
  LayerStats st = layer_stats(ctx.layer, ctx.in, ctx.batch);
  Cost c;
  c[Metric::Macs] = double(st.macs);
  c[Metric::Params] = double(st.params);
  return c;
}

}  // namespace hwnas
