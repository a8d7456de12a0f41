#include "hwnas/cost/flops_model.h"

namespace hwnas {

FlopsModelOptions FlopsModelOptions::read(Fields& f) {
  FlopsModelOptions o;
  o.gmacs_per_s = f.get_number("gmacs_per_s", 1e-6, 1e9);
  o.overhead_ms = f.get_number("overhead_ms", 0, 1e6, 0);
  return o;
}

json FlopsModelOptions::to_json() const {
  return {{"type", "flops"}, {"gmacs_per_s", gmacs_per_s}, {"overhead_ms", overhead_ms}};
}

Cost FlopsModel::layer(const LayerContext& ctx) const {
  Cost c;
  double macs = double(layer_stats(ctx.layer, ctx.in, ctx.batch).macs) * ctx.batch;
  c[Metric::LatencyMs] = macs / (opt_.gmacs_per_s * 1e6);  // GMAC/s -> MACs per ms
  return c;
}

Cost FlopsModel::network(const Arch& arch) const {
  Cost c = sum_layers(*this, arch);
  c[Metric::LatencyMs] += opt_.overhead_ms;
  return c;
}

}  // namespace hwnas
