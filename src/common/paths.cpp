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

}  // namespace hwnas
