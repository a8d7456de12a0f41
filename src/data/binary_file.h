#pragma once
// Binary reads for dataset readers (gzip transparently), with errors that
// name the file. Readers take a header first and then exactly the bytes it
// promises, so a lying header or a gzip bomb is refused before the memory.
#include <cstdint>
#include <string>
#include <vector>

namespace hwnas {

/// The most bytes one dataset file may hold (inflated): 4 GiB.
inline constexpr std::uint64_t kMaxDataFileBytes = std::uint64_t(4) << 30;

/// a * b, or InputError naming `path` and `what` when it exceeds `limit`
/// (wrap-around included).
std::uint64_t checked_product(std::uint64_t a, std::uint64_t b, std::uint64_t limit,
                              const std::string& path, const std::string& what);

class BinaryReader {
 public:
  /// Throws InputError when `path` is missing, not a file or unreadable.
  explicit BinaryReader(const std::string& path);
  ~BinaryReader();
  BinaryReader(const BinaryReader&) = delete;
  BinaryReader& operator=(const BinaryReader&) = delete;

  /// Exactly n bytes (n <= kMaxDataFileBytes); throws "truncated: <what>,
  /// the file has <k>" when the file ends first.
  std::vector<std::uint8_t> read(std::uint64_t n, const std::string& what);
  /// Up to n bytes: fewer only at the end of the file.
  std::vector<std::uint8_t> read_up_to(std::uint64_t n);
  /// Throws "<k> bytes after <what>" when bytes follow the last read.
  void expect_end(const std::string& what);
  const std::string& path() const { return path_; }

 private:
  std::uint64_t fill(std::uint8_t* dst, std::uint64_t n);
  std::string path_;
  void* gz_ = nullptr;
};

/// A whole file of at most `max_bytes` (inflated); throws when larger.
std::vector<std::uint8_t> read_binary_file(const std::string& path,
                                           std::uint64_t max_bytes = kMaxDataFileBytes);

inline std::uint32_t read_be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         p[3];
}

}  // namespace hwnas
