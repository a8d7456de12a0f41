// Joining and leaving a multi-process run from the CLI.
#include <iostream>

#include <spdlog/spdlog.h>

#include "cli.h"
#include "hwnas/common/error.h"
#include "hwnas/common/launch_env.h"
#include "hwnas/common/progress.h"
#include "hwnas/train/process_group.h"

namespace hwnas::cli {

void join_launched_group(const std::string& subcommand, const std::string& build) {
  const LaunchEnv env = read_launch_env();
  if (!env.multi_process()) return;
  set_progress_enabled(false);  // several ranks share a terminal: plain lines
  if (subcommand != "search" && subcommand != "train" && subcommand != "profile")
    throw InputError("environment: WORLD_SIZE",
                     "is " + std::to_string(env.world) + ", but 'hwnas " + subcommand +
                         "' runs on one process; only search, train and profile run on several");
  if (env.rank != 0) {
    // Rank 0 alone reports: the others print nothing on stdout and log
    // only warnings and errors.
    std::cout.setstate(std::ios::failbit);
    if (spdlog::get_level() < spdlog::level::warn) spdlog::set_level(spdlog::level::warn);
  }
  spdlog::set_pattern("[%H:%M:%S.%e] [rank " + std::to_string(env.rank) + "] [%^%l%$] %v");
  join_process_group(env);
  process_communicator().agree({{"hwnas", build}, {"subcommand", subcommand}}, "build");
}

void leave_launched_group(int code, const std::string& message) {
  leave_process_group(code, message);
}

}  // namespace hwnas::cli
