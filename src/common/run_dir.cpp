#include "hwnas/common/run_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "hwnas/common/error.h"
#include "hwnas/common/files.h"
#include "hwnas/common/launch_env.h"

namespace hwnas {
namespace fs = std::filesystem;

namespace {

// Ranks other than 0 of a multi-process run write into a private folder
// instead of the run directory (rank 0 alone writes that one); they run the
// same code, so they need somewhere to put what they write. Removed at exit.
struct Scratch {
  std::vector<fs::path> dirs;
  ~Scratch() {
    std::error_code ec;
    for (const auto& d : dirs) fs::remove_all(d, ec);
  }
};

fs::path scratch_dir() {
  static Scratch scratch;
  const LaunchEnv& env = process_launch();
  fs::path d = fs::temp_directory_path() /
               ("hwnas-rank" + std::to_string(env.rank) + "-" + std::to_string(::getpid()) + "-" +
                std::to_string(scratch.dirs.size()));
  fs::remove_all(d);
  fs::create_directories(d / "checkpoints");
  scratch.dirs.push_back(d);
  return d;
}

}  // namespace

RunDir RunDir::create(const std::string& path) {
  if (process_launch().rank != 0) return RunDir(scratch_dir().string());
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
  if (process_launch().rank != 0) {
    // A copy of the run as rank 0 left it: a resumed rank reads its state
    // (needs the run directory on a filesystem every rank sees).
    const fs::path d = scratch_dir();
    fs::copy(path, d, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    return RunDir(d.string());
  }
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
