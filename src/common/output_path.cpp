#include "hwnas/common/output_path.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "hwnas/common/error.h"

namespace hwnas {
namespace fs = std::filesystem;

namespace {
constexpr std::size_t kMaxPath = 4096, kMaxName = 255;
}  // namespace

std::string check_output(const std::string& given, OutputKind kind, bool force,
                         const std::vector<std::string>& inputs, const std::string& flag) {
  std::string path = given;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::string what = kind == OutputKind::File ? "file" : "folder";
  if (path.empty()) throw InputError(flag, "expected a path, got an empty one");
  if (path.size() > kMaxPath)
    throw InputError(
        flag, fmt::format("a path of {} bytes; at most {} are allowed", path.size(), kMaxPath));
  for (const auto& part : fs::path(path))
    if (part.native().size() > kMaxName)
      throw InputError(path, fmt::format("{}: a name of {} bytes; at most {} are allowed", flag,
                                         part.native().size(), kMaxName));
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    const auto st = fs::status(parent, ec);
    if (!fs::exists(st))
      throw InputError(path, fmt::format("{}: folder {} does not exist", flag, parent.string()));
    if (!fs::is_directory(st))
      throw InputError(path, fmt::format("{}: {} is not a folder", flag, parent.string()));
  }
  const auto st = fs::symlink_status(path, ec);
  if (fs::exists(st)) {
    const bool is_dir = fs::is_directory(fs::status(path, ec));
    if (kind == OutputKind::File && is_dir)
      throw InputError(path, fmt::format("{}: is a folder; expected a file to write", flag));
    if (kind == OutputKind::Folder)
      throw InputError(path, fmt::format("{}: already exists; a folder output must be new (hwnas "
                                         "never replaces a folder)",
                                         flag));
    for (const auto& in : inputs)
      if (!in.empty() && fs::exists(in, ec) && fs::equivalent(in, path, ec))
        throw InputError(path, fmt::format("{}: is also an input ({}); write elsewhere", flag, in));
    if (!force)
      throw InputError(
          path, fmt::format("{}: already exists (add --force to replace the {})", flag, what));
  }
  return path;
}

StagingFolder::StagingFolder(const std::string& target) : target_(target) {
  const fs::path t(target);
  const fs::path dir = t.parent_path().empty() ? fs::path(".") : t.parent_path();
  std::string tmpl = (dir / ("." + t.filename().string() + ".partial-XXXXXX")).string();
  if (!mkdtemp(tmpl.data()))
    throw InputError(target,
                     fmt::format("cannot create a folder beside it: {}", std::strerror(errno)));
  path_ = tmpl;
}

StagingFolder::~StagingFolder() {
  std::error_code ec;
  if (!committed_) fs::remove_all(path_, ec);
}

void StagingFolder::commit() {
  std::error_code ec;
  if (fs::exists(target_, ec)) {
    committed_ = true;  // keep the work: the message says where it is
    throw InputError(target_,
                     "appeared while it was being written; the new one is left in " + path_);
  }
  fs::rename(path_, target_, ec);
  if (ec)
    throw InputError(target_, fmt::format("cannot move the finished folder: {}", ec.message()));
  committed_ = true;
}

}  // namespace hwnas
