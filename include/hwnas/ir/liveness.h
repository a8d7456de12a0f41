#pragma once
// Which layers a deployed network still computes. Converters for phones and
// edge devices (TFLite, for one) fold constants: a `none` layer's output is
// all zeros, so is any layer that reads only constants, and a layer whose
// output reaches the network's output only through constants is never run.
// NAS-Bench-201's Pixel 3 and Raspberry Pi 4 timings follow this: a cell
// with no path from its input to its output times as a constant network.
#include <vector>

#include "hwnas/ir/arch.h"

namespace hwnas {

/// Per layer, whether it is computed: not constant (a `none`, or a layer
/// whose every input is constant; the network input never is) and read,
/// through computed layers, by the last layer. When the last layer is
/// constant nothing is computed.
std::vector<bool> live_layers(const Arch& arch);

}  // namespace hwnas
