#include "support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "hwnas/common/error.h"

namespace hwnas::test {
namespace fs = std::filesystem;

const char* const kEvo4Space = R"(name: evo4
input: [1, 28, 28]
num_classes: 10
candidates:
  a: {op: mbconv, k: 3, e: 1}
  b: {op: mbconv, k: 3, e: 3}
  c: {op: mbconv, k: 5, e: 6}
layers:
  - {op: conv, out: 8, k: 3, stride: 2}
  - {stage: {out: 8, depth: 2, stride: 1, choices: [a, b, c]}}
  - {stage: {out: 16, depth: 2, stride: 2, choices: [a, b, c]}}
  - {op: gap}
  - {op: linear, out: 10}
)";

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

std::string source_path(const std::string& rel) {
  return (fs::path(HWNAS_SOURCE_DIR) / rel).string();
}

std::string temp_dir(const std::string& tag) {
  static std::atomic<int> counter{0};
  fs::path d = fs::path(HWNAS_TEST_TMP) /
               (tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

CliResult run_hwnas(const std::vector<std::string>& args, const std::string& cwd) {
  std::string dir = temp_dir("cli");
  fs::path out = fs::path(dir) / "stdout", err = fs::path(dir) / "stderr";
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (::chdir(cwd.empty() ? HWNAS_SOURCE_DIR : cwd.c_str()) != 0) ::_exit(127);
    FILE* o = std::freopen(out.c_str(), "w", stdout);
    FILE* e = std::freopen(err.c_str(), "w", stderr);
    if (!o || !e) ::_exit(127);
    std::vector<char*> argv;
    std::string bin = HWNAS_BIN;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CliResult r;
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  fs::remove_all(dir);
  return r;
}

int interrupt_hwnas(const std::vector<std::string>& args, const std::string& started, int signal) {
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (::chdir(HWNAS_SOURCE_DIR) != 0 || !std::freopen("/dev/null", "w", stderr)) ::_exit(127);
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    std::string bin = HWNAS_BIN;
    argv.push_back(bin.data());
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  auto t0 = std::chrono::steady_clock::now();
  while (!fs::exists(started) && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(pid, signal);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

InFolder::InFolder(const std::string& dir) : was_(fs::current_path().string()) {
  fs::current_path(dir);
}

InFolder::~InFolder() {
  fs::current_path(was_);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace hwnas::test
