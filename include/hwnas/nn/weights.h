#pragma once
// DESIGN.md's weights contract: a libtorch archive of the module's
// parameters and buffers under flat names ("layers.3.dw.weight").
#include <string>

#include "hwnas/common/weights_archive.h"
#include "hwnas/nn/network.h"

namespace hwnas {

/// Writes atomically (temp file + rename).
void save_weights(torch::nn::Module& module, const std::string& path);

/// The module's parameters and buffers into `archive` under their flat names
/// (weights files and training checkpoints share this layout).
void write_tensors(torch::nn::Module& module, torch::serialize::OutputArchive& archive);
/// Reads them back into `module`; throws InputError naming `source` and the
/// first tensor that is missing, has another shape, or is not the module's.
void read_tensors(torch::nn::Module& module, torch::serialize::InputArchive& archive,
                  const std::string& source);
/// Serialises `archive` and writes it with write_file_atomic (fsync + rename).
void save_archive_atomic(torch::serialize::OutputArchive& archive, const std::string& path);

/// Copies a checked archive (read_weights_archive, which never hands the
/// file to libtorch's loader) into `module`; throws InputError naming
/// `source` and the first tensor that is missing, has another dtype or
/// shape, or is not part of the module (e.g. weights of another arch).
void apply_weights(torch::nn::Module& module, const WeightsArchive& archive,
                   const std::string& source);
/// Throws InputError when the archive holds fewer values than `arch` has
/// parameters: checked before building a net that may be large.
void check_weights_fit(const Arch& arch, const WeightsArchive& archive, const std::string& source);
/// read_weights_archive + apply_weights.
void load_weights(torch::nn::Module& module, const std::string& path);

}  // namespace hwnas
