#include "hwnas/common/paths.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "hwnas/common/document.h"
#include "hwnas/common/error.h"

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
  const fs::path p(path);
  if (path.empty() || p.is_absolute()) return path;  // the reader names it
  std::error_code ec;
  const fs::path here = fs::absolute(p, ec).lexically_normal();
  if (fs::exists(here, ec)) return here.string();
  const fs::path beside =
      fs::absolute(fs::path(document_file).parent_path() / p, ec).lexically_normal();
  if (fs::exists(beside, ec)) return beside.string();
  throw InputError(document_file,
                   here == beside
                       ? fmt::format("'{}' was not found ({} does not exist)", path, here.string())
                       : fmt::format("'{}' was not found in the working folder ({}) nor beside "
                                     "this file ({})",
                                     path, here.string(), beside.string()));
}

std::string resolve_input_path(const Value& value) {
  const std::string path = value.as_string();
  try {
    return resolve_input_path(path, value.document().file);
  } catch (const InputError& e) {
    value.fail(e.message());
  }
}

}  // namespace hwnas
