#include "binary_file.h"

#include <zlib.h>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"

namespace hwnas {

std::uint64_t checked_product(std::uint64_t a, std::uint64_t b, std::uint64_t limit,
                              const std::string& path, const std::string& what) {
  std::uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || r > limit)
    throw InputError(path, fmt::format("{} exceeds the limit of {}", what, limit));
  return r;
}

BinaryReader::BinaryReader(const std::string& path) : path_(path) {
  require_regular_file(path);
  gz_ = gzopen(path.c_str(), "rb");  // reads plain files as they are
  if (!gz_) throw InputError(path, "cannot open");
}

BinaryReader::~BinaryReader() {
  if (gz_) gzclose(static_cast<gzFile>(gz_));
}

std::uint64_t BinaryReader::fill(std::uint8_t* dst, std::uint64_t n) {
  auto* f = static_cast<gzFile>(gz_);
  std::uint64_t got = 0;
  while (got < n) {
    const unsigned chunk = unsigned(std::min<std::uint64_t>(n - got, 1u << 24));
    const int r = gzread(f, dst + got, chunk);
    if (r < 0) {
      int err = 0;
      throw InputError(path_, std::string("corrupt gzip data: ") + gzerror(f, &err));
    }
    if (r == 0) {
      // A gzip stream cut short reads as a short file with Z_BUF_ERROR.
      int err = 0;
      gzerror(f, &err);
      if (err == Z_BUF_ERROR) throw InputError(path_, "truncated gzip file");
      break;
    }
    got += std::uint64_t(r);
  }
  return got;
}

std::vector<std::uint8_t> BinaryReader::read_up_to(std::uint64_t n) {
  std::vector<std::uint8_t> out;
  // Grow with what arrives, so a header's promise alone allocates nothing.
  while (out.size() < n) {
    const std::uint64_t want = std::min<std::uint64_t>(n - out.size(), 1u << 24);
    const std::size_t at = out.size();
    out.resize(at + want);
    const std::uint64_t got = fill(out.data() + at, want);
    out.resize(at + got);
    if (got < want) break;
  }
  return out;
}

std::vector<std::uint8_t> BinaryReader::read(std::uint64_t n, const std::string& what) {
  if (n > kMaxDataFileBytes)
    throw InputError(path_, fmt::format("{}: over the limit of {} bytes", what, kMaxDataFileBytes));
  auto out = read_up_to(n);
  if (out.size() < n)
    throw InputError(path_, fmt::format("truncated: {}, the file has {}", what, out.size()));
  return out;
}

void BinaryReader::expect_end(const std::string& what) {
  std::uint8_t probe[4096];
  std::uint64_t extra = 0, got;
  while ((got = fill(probe, sizeof probe)) > 0 && extra < (1u << 20)) extra += got;
  if (extra > 0)
    throw InputError(
        path_, fmt::format("{}{} bytes after {}", extra >= (1u << 20) ? "over " : "", extra, what));
  int rc = gzclose(static_cast<gzFile>(gz_));
  gz_ = nullptr;
  if (rc == Z_BUF_ERROR) throw InputError(path_, "truncated gzip file");
  if (rc != Z_OK) throw InputError(path_, fmt::format("gzip error {}", rc));
}

std::vector<std::uint8_t> read_binary_file(const std::string& path, std::uint64_t max_bytes) {
  BinaryReader r(path);
  auto out = r.read_up_to(max_bytes);
  if (out.size() == max_bytes && !r.read_up_to(1).empty())
    throw InputError(path, fmt::format("larger than the limit of {} bytes", max_bytes));
  r.expect_end("the data");
  return out;
}

}  // namespace hwnas
