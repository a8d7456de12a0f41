#pragma once
// The weights contract's archive (a libtorch zip of named tensors) read
// without libtorch's zip reader, unpickler or TorchScript compiler, which
// Debian's libtorch 1.13 runs on any file it is given (and which crash on
// fuzzed files). Every structure is checked against the bytes before it is
// used: zip directory and local headers, the pickle of data.pkl (a small
// machine that knows only what a weights file holds), each tensor's dtype,
// shape, strides and storage size. Torch-free, so it is fuzzed on its own.
#include <cstdint>
#include <string>
#include <vector>

namespace hwnas {

struct ArchiveTensor {
  std::string name;   ///< "layers.3.dw.weight"
  std::string dtype;  ///< "float32", "int64", ... (from the storage type)
  int element_size = 0;
  std::vector<std::int64_t> sizes, strides;
  std::int64_t offset = 0;     ///< in elements, into the storage
  std::size_t data_begin = 0;  ///< the storage's bytes in WeightsArchive::bytes
  std::int64_t storage_elements = 0;
};

struct WeightsArchive {
  std::string bytes;
  std::vector<ArchiveTensor> tensors;  ///< in the file's order
};

/// The most bytes a weights file may have: 4 GiB.
inline constexpr std::uint64_t kMaxWeightsBytes = std::uint64_t(4) << 30;

/// Reads and checks `path`; throws InputError naming it and what is wrong.
WeightsArchive read_weights_archive(const std::string& path);
/// The same over bytes already read; `path` names them in errors.
WeightsArchive parse_weights_archive(std::string bytes, const std::string& path);

}  // namespace hwnas
