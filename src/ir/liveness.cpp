#include "hwnas/ir/liveness.h"

namespace hwnas {

std::vector<bool> live_layers(const Arch& arch) {
  const std::size_t n = arch.layers.size();
  std::vector<bool> constant(n, false), live(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    if (arch.layers[i].op == Op::None) {
      constant[i] = true;
      continue;
    }
    bool all_constant = true;
    for (int j : layer_inputs(arch, i)) all_constant = all_constant && j >= 0 && constant[j];
    constant[i] = all_constant;
  }
  if (n == 0 || constant[n - 1]) return live;
  live[n - 1] = true;
  for (std::size_t i = n; i-- > 0;) {
    if (!live[i]) continue;
    for (int j : layer_inputs(arch, i))
      if (j >= 0 && !constant[j]) live[j] = true;
  }
  return live;
}

}  // namespace hwnas
