#include "hwnas/common/run_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"

namespace hwnas {
namespace fs = std::filesystem;

RunDir RunDir::create(const std::string& path) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (!fs::is_directory(path)) throw InputError(path, "exists and is not a folder");
    if (!fs::is_empty(path))
      throw InputError(path,
                       "already holds a run; continue it with --resume, or choose another --out");
  }
  fs::create_directories(fs::path(path) / "checkpoints");
  return RunDir(path);
}

RunDir RunDir::reopen(const std::string& path) {
  if (!fs::is_directory(fs::path(path) / "checkpoints"))
    throw InputError(path, "is not a run directory (no checkpoints/ folder)");
  return RunDir(path);
}

std::string RunDir::file(const std::string& name) const {
  return (fs::path(path_) / name).string();
}

void RunDir::append(const std::string& name, const json& j) const {
  // One write of a whole line with O_APPEND: a reader never sees half a line.
  std::string line = j.dump() + "\n";
  const std::string path = file(name);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(path + ": cannot open for appending");
  ssize_t n = ::write(fd, line.data(), line.size());
  ::close(fd);
  if (n != ssize_t(line.size())) throw std::runtime_error(path + ": write failed");
}

void RunDir::truncate(const std::string& name, std::int64_t step) const {
  std::ifstream in(file(name));
  if (!in) return;
  std::string line, kept;
  while (std::getline(in, line)) {
    auto j = json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;  // a torn last line of a killed run
    if (j.contains("step") && j["step"].get<std::int64_t>() > step) continue;
    kept += line + "\n";
  }
  write_file_atomic(file(name), kept);
}

}  // namespace hwnas
