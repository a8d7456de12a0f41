#pragma once
// Helpers shared by the tests: paths into the source tree and running the
// real `hwnas` binary.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hwnas::test {

/// A space of 81 archs: four positions of three MBConv candidates (k3 e1,
/// k3 e3, k5 e6) on 1x28x28 inputs, ten classes.
extern const char* const kEvo4Space;

/// The JSON objects of a JSON-lines file.
std::vector<nlohmann::json> read_jsonl(const std::string& path);

/// A path inside the source tree ("tests/data/...", "configs/...").
std::string source_path(const std::string& rel);

/// A fresh empty folder under the build tree's temp area.
std::string temp_dir(const std::string& tag);

struct CliResult {
  int rc = -1;
  std::string out, err;
};
/// Runs the built `hwnas` with `args` in folder `cwd` (default: source root).
CliResult run_hwnas(const std::vector<std::string>& args, const std::string& cwd = "");

/// Starts `hwnas args` (in the source root, stderr discarded), waits until
/// `started` exists (at most 60 s), sends `signal`, and returns the exit code
/// (128 + signal number when the signal killed it).
int interrupt_hwnas(const std::vector<std::string>& args, const std::string& started, int signal);

/// Makes `dir` the working folder until it goes out of scope.
class InFolder {
 public:
  explicit InFolder(const std::string& dir);
  ~InFolder();
  InFolder(const InFolder&) = delete;
  InFolder& operator=(const InFolder&) = delete;

 private:
  std::string was_;
};

/// The message of the InputError `f` throws, or "(no error)".
std::string error_of(const std::function<void()>& f);

}  // namespace hwnas::test
