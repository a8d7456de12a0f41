#pragma once
// Whole-file reads for dataset readers (gzip transparently), with errors
// that name the file.
#include <cstdint>
#include <string>
#include <vector>

namespace hwnas {

/// The file's bytes; gzip-compressed files are inflated. Throws InputError
/// when missing, not a file, or a corrupt/truncated gzip stream.
std::vector<std::uint8_t> read_binary_file(const std::string& path);

inline std::uint32_t read_be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         p[3];
}

}  // namespace hwnas
