#include "hwnas/common/launch_env.h"

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

#include "hwnas/common/error.h"

namespace hwnas {

namespace {

LaunchEnv& current() {
  static LaunchEnv env;
  return env;
}

int integer(const char* name, const char* text, long lo, long hi) {
  const std::string s(text);
  long v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || v < lo || v > hi)
    throw InputError(
        std::string("environment: ") + name,
        fmt::format("expected an integer in [{}, {}], got '{}'", lo, hi, s.substr(0, 40)));
  return int(v);
}

}  // namespace

LaunchEnv read_launch_env(const std::function<const char*(const char*)>& get_fn) {
  auto get = [&](const char* name) -> const char* {
    return get_fn ? get_fn(name) : std::getenv(name);
  };
  LaunchEnv env;
  const char* rank = get("RANK");
  const char* world = get("WORLD_SIZE");
  if (!rank && !world) return env;
  if (!rank || !world)
    throw InputError(std::string("environment: ") + (rank ? "WORLD_SIZE" : "RANK"),
                     fmt::format("{} is set but {} is not; a launcher (torchrun, hwnas launch) "
                                 "sets both, or neither for one process",
                                 rank ? "RANK" : "WORLD_SIZE", rank ? "WORLD_SIZE" : "RANK"));
  env.world = integer("WORLD_SIZE", world, 1, 65536);
  env.rank = integer("RANK", rank, 0, 65535);
  if (env.rank >= env.world)
    throw InputError("environment: RANK",
                     fmt::format("rank {} is not below WORLD_SIZE {}", env.rank, env.world));
  if (const char* lr = get("LOCAL_RANK")) env.local_rank = integer("LOCAL_RANK", lr, 0, 65535);
  if (const char* rc = get("TORCHELASTIC_RESTART_COUNT"))
    env.restart_count = integer("TORCHELASTIC_RESTART_COUNT", rc, 0, 1 << 30);
  if (const char* t = get("HWNAS_DIST_TIMEOUT"))
    env.timeout = std::chrono::seconds(integer("HWNAS_DIST_TIMEOUT", t, 1, 86400));
  if (const char* a = get("TORCHELASTIC_USE_AGENT_STORE"))
    env.agent_store = std::string(a) == "True";
  if (const char* f = get("HWNAS_FAULT")) env.fault = f;
  if (!env.multi_process()) return env;
  const char* addr = get("MASTER_ADDR");
  if (!addr || !*addr)
    throw InputError("environment: MASTER_ADDR",
                     "is not set; with WORLD_SIZE > 1 every rank needs the address of rank 0");
  env.master_addr = addr;
  const char* port = get("MASTER_PORT");
  if (!port)
    throw InputError("environment: MASTER_PORT",
                     "is not set; with WORLD_SIZE > 1 every rank needs rank 0's port");
  env.master_port = integer("MASTER_PORT", port, 1, 65535);
  return env;
}

bool LaunchEnv::fault_desync() const {
  return fault == "desync:" + std::to_string(rank);
}

bool LaunchEnv::fault_fingerprint() const {
  return fault == "fingerprint:" + std::to_string(rank);
}

bool LaunchEnv::fault_exit_after(std::int64_t step) const {
  return restart_count == 0 && fault == "exit:" + std::to_string(rank) + ":" + std::to_string(step);
}

const LaunchEnv& process_launch() {
  return current();
}

void set_process_launch(const LaunchEnv& env) {
  current() = env;
}

}  // namespace hwnas
