#pragma once
// The one policy for every file or folder a command writes
// (docs/architecture.md, "Outputs"): checked before any work, so a refused
// output costs nothing and loses nothing.
#include <string>
#include <vector>

namespace hwnas {

enum class OutputKind { File, Folder };

/// Checks `path` as an output of `kind` given by `flag` ("--out") and
/// returns it normalised (trailing slashes dropped). Throws InputError
/// naming the path when: it is empty, over 4096 bytes or has a name over
/// 255 bytes; its parent folder is missing or not a folder; it exists and
/// is of the other kind; it exists and `force` is false (folders are never
/// replaced, even with force); or it is the same file as one of `inputs`.
std::string check_output(const std::string& path, OutputKind kind, bool force,
                         const std::vector<std::string>& inputs, const std::string& flag);

/// A new folder beside `target` (".<name>.partial-XXXXXX") to build a folder
/// output in; removes it, and only it, unless commit() moved it to `target`.
class StagingFolder {
 public:
  explicit StagingFolder(const std::string& target);
  ~StagingFolder();
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;
  const std::string& path() const { return path_; }
  /// Renames the staging folder to the target (which must still be absent).
  void commit();

 private:
  std::string target_, path_;
  bool committed_ = false;
};

}  // namespace hwnas
