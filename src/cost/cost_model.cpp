#include "hwnas/cost/cost_model.h"

#include "hwnas/common/error.h"
#include "hwnas/cost/ir_counts.h"

namespace hwnas {

Cost sum_layers(const CostModel& model, const Arch& arch, int batch) {
  const MetricSet add = model.additive() & model.metrics();
  Cost total = Cost::zeros(add);
  const auto shapes = infer_shapes(arch);
  for (std::size_t i = 0; i < arch.layers.size(); ++i) {
    Cost c = model.layer({arch.layers[i], shapes[i].in, shapes[i].out, batch});
    for (int m = 0; m < kNumMetrics; ++m)
      if (add.test(m)) total.v[m] += c.v[m];
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
