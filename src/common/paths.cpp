#include "hwnas/common/paths.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace hwnas {
namespace fs = std::filesystem;

std::vector<std::string> data_dirs(const std::string& sub) {
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("HWNAS_DATA_DIR")) roots.emplace_back(env);
  roots.emplace_back(".");
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) roots.push_back(exe.parent_path().parent_path() / "share" / "hwnas");
#ifdef HWNAS_SOURCE_DIR
  roots.emplace_back(HWNAS_SOURCE_DIR);
#endif
  std::vector<std::string> out;
  for (const auto& r : roots) {
    fs::path d = r / sub;
    if (!fs::is_directory(d, ec)) continue;
    auto canon = fs::weakly_canonical(d, ec).string();
    bool seen = false;
    for (const auto& o : out) seen |= fs::weakly_canonical(o, ec).string() == canon;
    if (!seen) out.push_back(d.lexically_normal().string());
  }
  return out;
}

std::string resolve_input_path(const std::string& path, const std::string& document_file) {
  fs::path p(path);
  std::error_code ec;
  if (p.is_absolute() || fs::exists(p, ec)) return path;
  fs::path beside = fs::path(document_file).parent_path() / p;
  if (fs::exists(beside, ec)) return beside.string();
  auto first = p.begin();
  if (first != p.end()) {
    fs::path rest;
    for (auto it = std::next(first); it != p.end(); ++it) rest /= *it;
    for (const auto& d : data_dirs(first->string()))
      if (fs::exists(fs::path(d) / rest, ec)) return (fs::path(d) / rest).string();
  }
  return path;
}

}  // namespace hwnas
