#include "binary_file.h"

#include <zlib.h>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"

namespace hwnas {

std::vector<std::uint8_t> read_binary_file(const std::string& path) {
  require_regular_file(path);
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files as they are
  if (!f) throw InputError(path, "cannot open");
  std::vector<std::uint8_t> out;
  std::uint8_t buf[1 << 16];
  while (true) {
    int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int err = 0;
      std::string msg = gzerror(f, &err);
      gzclose(f);
      throw InputError(path, "corrupt gzip data: " + msg);
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  // A gzip stream cut short reads as a short file with Z_BUF_ERROR at close.
  int rc = gzclose(f);
  if (rc == Z_BUF_ERROR) throw InputError(path, "truncated gzip file");
  if (rc != Z_OK) throw InputError(path, fmt::format("gzip error {}", rc));
  return out;
}

}  // namespace hwnas
