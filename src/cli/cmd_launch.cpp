// hwnas launch: N processes of one hwnas command on this machine, with the
// environment torchrun would give them (RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR, MASTER_PORT). torchrun stays the launcher for several
// machines and elastic restarts; this is the one-machine convenience.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli.h"
#include "hwnas/common/error.h"

namespace hwnas::cli {

namespace {

struct LaunchOptions {
  int nproc = 2;
  std::string master_addr = "127.0.0.1";
  int master_port = 0;
  int grace = 30;        ///< seconds the others get to stop by themselves after one fails
  int dist_timeout = 0;  ///< HWNAS_DIST_TIMEOUT for the ranks (0: theirs, else 300)
  std::vector<std::string> command;
};

std::vector<pid_t> children;

void forward_signal(int sig) {
  for (pid_t p : children) ::kill(p, sig);
}

int free_port(const std::string& addr) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = 0;
  if (::inet_pton(AF_INET, addr.c_str(), &a.sin_addr) != 1)
    throw InputError("--master-addr", "expected an IPv4 address, got " + addr);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("launch: no free port on " + addr);
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

int exit_status(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void run_launch(const LaunchOptions& o, Context& ctx) {
  if (o.command.empty())
    throw InputError("launch",
                     "no command: write it after --, e.g. hwnas launch --nproc 2 -- "
                     "search --config my.yaml");
  if (o.command[0] == "launch") throw InputError("launch", "the command cannot be launch itself");
  const int port = o.master_port > 0 ? o.master_port : free_port(o.master_addr);
  std::vector<std::string> args{"hwnas"};
  if (ctx.json) args.push_back("--json");
  args.insert(args.end(), o.command.begin(), o.command.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  spdlog::info("launching {} processes of 'hwnas {}' (store at {}:{})", o.nproc,
               fmt::join(o.command, " "), o.master_addr, port);
  std::fflush(nullptr);
  for (int r = 0; r < o.nproc; ++r) {
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("launch: fork failed");
    if (pid == 0) {
      ::setenv("RANK", std::to_string(r).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(o.nproc).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(o.nproc).c_str(), 1);
      ::setenv("MASTER_ADDR", o.master_addr.c_str(), 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      if (o.dist_timeout > 0)
        ::setenv("HWNAS_DIST_TIMEOUT", std::to_string(o.dist_timeout).c_str(), 1);
      ::execv("/proc/self/exe", argv.data());
      std::_Exit(127);
    }
    children.push_back(pid);
  }
  ::signal(SIGINT, forward_signal);
  ::signal(SIGTERM, forward_signal);
  // The first rank to fail gives the exit code; the others get `grace`
  // seconds to stop by themselves (they notice within their timeout), then
  // are terminated.
  int code = 0;
  std::size_t left = children.size();
  auto failed_at = std::chrono::steady_clock::time_point::max();
  bool terminated = false;
  while (left > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      --left;
      const int c = exit_status(status);
      if (c != 0) {
        const auto it = std::find(children.begin(), children.end(), pid);
        spdlog::warn("launch: rank {} exited with {}", it - children.begin(), c);
      }
      if (c != 0 && code == 0) {
        code = c;
        failed_at = std::chrono::steady_clock::now();
      }
      continue;
    }
    if (pid < 0 && errno != EINTR) break;
    if (!terminated &&
        std::chrono::steady_clock::now() - failed_at > std::chrono::seconds(o.grace)) {
      spdlog::warn("launch: terminating the ranks still running {} s after the first failure",
                   o.grace);
      forward_signal(SIGKILL);
      terminated = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ctx.exit_code = code;
}

}  // namespace

void register_launch(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<LaunchOptions>();
  auto* cmd = app.add_subcommand(
      "launch", "Run N processes of a search or train on this machine (torchrun's environment)");
  cmd->add_option("--nproc", o->nproc, "Processes (default: 2)")->check(CLI::Range(1, 256));
  cmd->add_option("--master-addr", o->master_addr,
                  "Address of rank 0's store (default: 127.0.0.1)");
  cmd->add_option("--master-port", o->master_port, "Its port (default: a free one)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--grace", o->grace,
                  "Seconds the other ranks get to stop after one fails (default: 30)")
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--dist-timeout", o->dist_timeout,
                  "Seconds for joining and for every collective (HWNAS_DIST_TIMEOUT; default 300)")
      ->check(CLI::Range(1, 86400));
  cmd->add_option("command", o->command, "The hwnas command to run, after --")->expected(-1);
  cmd->callback([o, &ctx] { ctx.run = [o, &ctx] { run_launch(*o, ctx); }; });
}

}  // namespace hwnas::cli
