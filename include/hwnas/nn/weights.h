#pragma once
// DESIGN.md's weights contract: a libtorch archive of the module's
// parameters and buffers under flat names ("layers.3.dw.weight").
#include <string>

#include "hwnas/nn/network.h"

namespace hwnas {

/// Writes atomically (temp file + rename).
void save_weights(torch::nn::Module& module, const std::string& path);

/// Loads into `module`; throws InputError naming the file and the first
/// tensor that is missing, has another shape, or is not part of the module
/// (e.g. weights of another arch).
void load_weights(torch::nn::Module& module, const std::string& path);

}  // namespace hwnas
