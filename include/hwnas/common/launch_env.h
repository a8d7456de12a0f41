#pragma once
// Where this process stands in a multi-process run, from the environment a
// launcher sets (torchrun, `hwnas launch`, Slurm or Kubernetes wrappers):
// RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT and torchrun's
// restart count. Without them a process is rank 0 of 1, as it always was.
// Torch-free: the run directory and the CLI read it too.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace hwnas {

struct LaunchEnv {
  int rank = 0, world = 1, local_rank = 0;
  std::string master_addr;
  int master_port = 0;
  /// TORCHELASTIC_RESTART_COUNT: how often torchrun restarted the job.
  int restart_count = 0;
  /// HWNAS_DIST_TIMEOUT (seconds, default 300): the limit of every
  /// collective and of joining the group.
  std::chrono::seconds timeout{300};
  /// torchrun's agent hosts the store (TORCHELASTIC_USE_AGENT_STORE=True).
  bool agent_store = false;
  /// HWNAS_FAULT, a hook for the tests of multi-process runs: "desync:R"
  /// (rank R samples other supernet paths than the rest), "exit:R:S" (rank
  /// R exits with code 75 after training step S, on the job's first attempt),
  /// "fingerprint:R" (rank R reports another CPU model to a sharded profile).
  std::string fault;
  bool multi_process() const { return world > 1; }
  /// The faults asked for this rank.
  bool fault_desync() const;
  bool fault_exit_after(std::int64_t step) const;
  bool fault_fingerprint() const;
};

/// Reads and checks the launcher's variables; `get` looks one up (default:
/// the process environment). Throws InputError (place "environment: NAME")
/// for WORLD_SIZE without RANK or the reverse, a value that is not a
/// number, a rank outside [0, WORLD_SIZE), and, with more than one process,
/// no MASTER_ADDR or a MASTER_PORT outside 1..65535.
LaunchEnv read_launch_env(const std::function<const char*(const char*)>& get = nullptr);

/// This process's place, as the CLI set it when it joined (rank 0 of 1 before).
const LaunchEnv& process_launch();
void set_process_launch(const LaunchEnv& env);

}  // namespace hwnas
