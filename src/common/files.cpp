#include "hwnas/common/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "hwnas/common/error.h"
#include "hwnas/common/text.h"

namespace hwnas {
namespace fs = std::filesystem;

void require_regular_file(const std::string& path) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw InputError(path, "no such file");
  if (fs::is_directory(st)) throw InputError(path, "is a directory, expected a file");
  if (!fs::is_regular_file(st)) throw InputError(path, "is not a regular file");
}

std::string read_text_file(const std::string& path, std::size_t max_bytes) {
  require_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, fmt::format("cannot open: {}", std::strerror(errno)));
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes)
      throw InputError(path, fmt::format("file is larger than {} bytes", max_bytes));
  }
  if (in.bad()) throw InputError(path, "read error");
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw InputError(path, "file is empty");
  if (auto bad = first_invalid_utf8(text); bad != std::string::npos) {
    auto lc = line_col_at(text, bad);
    throw InputError(fmt::format("{}:{}:{}", path, lc.line, lc.col),
                     "invalid UTF-8 (the file must be UTF-8 text)");
  }
  return text;
}

namespace {
void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}
}  // namespace

void write_file_atomic(const std::string& path, std::string_view content) {
  fs::path target(path);
  fs::path dir = target.parent_path();
  std::random_device rd;
  fs::path tmp = dir / fmt::format(".{}.tmp{:08x}", target.filename().string(), rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)  // name the user's path, not the temp file
    throw InputError(path, fmt::format("cannot write: {}", std::strerror(errno)));
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error(fmt::format("{}: write failed: {}", path, std::strerror(err)));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error(fmt::format("{}: sync failed: {}", path, std::strerror(err)));
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error(fmt::format("{}: rename failed: {}", path, std::strerror(err)));
  }
  fsync_dir(dir);
}

}  // namespace hwnas
